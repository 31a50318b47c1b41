package dev.retention.junit;

import org.apiguardian.api.API;
import org.junit.jupiter.params.provider.ArgumentsSource;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Supplies the categories of a suite, sorted, one invocation each, so every category is its own
 * test in the report:
 *
 * <pre>{@code
 * @ParameterizedTest(name = "{0}")
 * @CategorySource
 * void retainsEveryCategory(String category) {
 *     assertThatModel(lora).retains(base).onCategory(category).within(0.05);
 * }
 * }</pre>
 *
 * Categories with only perplexity items are left out. Names are stable and sorted, which CI
 * history tools key on. To see them as test names in Surefire XML (instead of
 * {@code retainsEveryCategory(String)[1]}), configure Surefire's
 * {@code statelessTestsetReporter} with {@code usePhrasedTestCaseMethodName} (see README).
 *
 * @since 0.1
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ArgumentsSource(CategoryArgumentsProvider.class)
@API(status = STABLE, since = "0.1")
public @interface CategorySource {
    /**
     * The suite whose categories become the arguments.
     *
     * @return a suite file; empty for the first suite of the class's {@link RetentionTest}
     */
    String suite() default "";
}
