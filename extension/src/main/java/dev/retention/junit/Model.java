package dev.retention.junit;

import org.apiguardian.api.API;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Injects a named model declared with {@link RetentionTest#models()} into a field or parameter of
 * type {@code ScoredModel} or {@code CausalLm}.
 *
 * @since 0.1
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(RetentionExtension.class)
@API(status = STABLE, since = "0.1")
public @interface Model {
    /**
     * The model to inject.
     *
     * @return the name given in {@link RetentionTest.NamedModel#name()}
     */
    String value();
}
