package dev.retention.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Injects the baseline model declared by {@link RetentionTest} into a field or parameter of type
 * {@code ScoredModel} (lazily loaded, scorecards cached) or {@code CausalLm} (loaded on injection).
 */
@Target({ElementType.FIELD, ElementType.PARAMETER})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface Baseline {
}
