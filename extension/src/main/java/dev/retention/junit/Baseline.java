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
 * Injects the baseline model declared by {@link RetentionTest} into a field or parameter of type
 * {@code ScoredModel} (lazily loaded, scorecards cached) or {@code CausalLm} (loaded on injection).
 * It registers {@code RetentionExtension} itself, so a class that forgot {@link RetentionTest} is told so
 * instead of seeing a {@code null} field.
 *
 * @since 0.1
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@ExtendWith(RetentionExtension.class)
@API(status = STABLE, since = "0.1")
public @interface Baseline {
}
