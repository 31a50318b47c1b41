package dev.retention.junit;

import org.apiguardian.api.API;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * Declares the models and suite of a capability test class and registers {@link RetentionExtension}.
 *
 * <pre>{@code
 * @RetentionTest(baseline = "models/base", tuned = "models/lora", suite = "suites/general.jsonl")
 * class LoraKeepsGeneralAbilitiesTest {
 *     @Baseline ScoredModel base;
 *     @Tuned ScoredModel lora;
 *
 *     @Test
 *     void keepsArithmetic() {
 *         assertThatModel(lora).retains(base).onCategory("arithmetic").within(0.05);
 *     }
 * }
 * }</pre>
 *
 * Paths are relative to the working directory (the module directory under Maven). Every one can be
 * overridden by a configuration parameter or system property without editing code, e.g.
 * {@code mvn test -Dretention.tuned=/path/to/candidate} (see {@link RetentionConfig} for all keys).
 * Each distinct model is loaded at most once per test run, lazily: a model whose scorecards all come
 * from the scorecard cache is never loaded. PEFT adapters over one base share it: the base is loaded
 * once and each adapter adds only its own factors.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RetentionExtension.class)
@API(status = STABLE, since = "0.1")
public @interface RetentionTest {

    /** Directory of the baseline model (TorchScript + tokenizer.json); key {@code retention.baseline}. */
    String baseline() default "";

    /**
     * Directory of the fine-tuned model under test; or of a PEFT LoRA adapter ({@code adapter_config.json} +
     * {@code adapter_model.safetensors}), which runs on its base model: the local folder its
     * {@code base_model_name_or_path} names, else the {@link #baseline()} (the key {@code retention.tuned.base}
     * overrides both); or a model on a serving engine written {@code http://host:8000/v1#served-name} (its local
     * tokenizer folder then comes from the key {@code retention.tuned.tokenizer}). Key {@code retention.tuned}.
     * The baseline and named models can be adapters or served too.
     */
    String tuned() default "";

    /**
     * Recorded baseline scorecards (JSON written by {@code Scorecard.write}), one per suite, used
     * instead of the baseline model; key {@code retention.baseline.recorded}. Record them with
     * {@code -Dretention.baseline.record=true}.
     */
    String[] recordedBaseline() default {};

    /** Suites (JSONL); the first is the default suite of every injected model; key {@code retention.suite}. */
    String[] suite() default {};

    /** Further named models, e.g. checkpoints, injected with {@link Model @Model("name")}. */
    NamedModel[] models() default {};

    /** A further model; its path is overridden by the key {@code retention.model.<name>}. */
    @Target({})
    @Retention(RetentionPolicy.RUNTIME)
    @API(status = EXPERIMENTAL, since = "0.1")
    @interface NamedModel {
        String name();

        String path();
    }
}
