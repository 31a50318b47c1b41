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
 * Declares the models and suite of a capability test class and registers {@code RetentionExtension}.
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
 *
 * @since 0.1
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RetentionExtension.class)
@API(status = STABLE, since = "0.1")
public @interface RetentionTest {

    /**
     * The baseline model: a Hugging Face folder, a PEFT adapter folder or a served model, as for
     * {@link #tuned()}; key {@code retention.baseline}.
     *
     * @return its path or locator; empty for none (the suites' recorded baselines, or none at all)
     */
    String baseline() default "";

    /**
     * Directory of the fine-tuned model under test; or of a PEFT LoRA adapter ({@code adapter_config.json} +
     * {@code adapter_model.safetensors}), which runs on its base model: the local folder its
     * {@code base_model_name_or_path} names, else the {@link #baseline()} (the key {@code retention.tuned.base}
     * overrides both); or a model on a serving engine written {@code http://host:8000/v1#served-name} (its local
     * tokenizer folder then comes from the key {@code retention.tuned.tokenizer}). Key {@code retention.tuned}.
     * The baseline and named models can be adapters or served too.
     *
     * @return its path or locator; empty when the key gives it
     */
    String tuned() default "";

    /**
     * Recorded baseline scorecards (JSON written by {@code Scorecard.write}), one per suite, used
     * instead of the baseline model; key {@code retention.baseline.recorded}. Record them with
     * {@code -Dretention.baseline.record=true}.
     *
     * @return the scorecard files, in suite order; empty for none
     */
    String[] recordedBaseline() default {};

    /**
     * Suites (JSONL); the first is the default suite of every injected model; key {@code retention.suite}.
     *
     * @return the suite files
     */
    String[] suite() default {};

    /**
     * Further named models, e.g. checkpoints, injected with {@link Model @Model("name")}.
     *
     * @return the named models; empty for none
     */
    NamedModel[] models() default {};

    /**
     * A further model; its path is overridden by the key {@code retention.model.<name>}.
     *
     * @since 0.1
     */
    @Target({})
    @Retention(RetentionPolicy.RUNTIME)
    @API(status = EXPERIMENTAL, since = "0.1")
    @interface NamedModel {
        /**
         * The name {@link Model @Model} injects it by.
         *
         * @return the name
         */
        String name();

        /**
         * Its folder or served-model locator, as for {@link RetentionTest#tuned()}.
         *
         * @return the path or locator
         */
        String path();
    }
}
