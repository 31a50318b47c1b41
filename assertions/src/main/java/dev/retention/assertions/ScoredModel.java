package dev.retention.assertions;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.Scorecard;
import dev.retention.eval.internal.ScorecardStore;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * A model as the assertions see it: something that yields a {@link Scorecard} for a suite.
 *
 * <p>Either a live {@link CausalLm}, scored on demand and memoised per suite, or recorded
 * scorecards (for example a committed baseline file), so a baseline can be compared against
 * without loading it. An optional default suite is used when an assertion names none.
 *
 * <p>Obtain one with {@link #of(CausalLm)} or {@link #recorded(Path...)}; the JUnit extension
 * injects its own. Instances are immutable: {@link #withDefaultSuite(Suite)} returns a new one.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public interface ScoredModel {

    /**
     * Display name, e.g. the model directory name.
     *
     * @return the name shown in verdicts and failure messages; for recorded scorecards, the model
     *     name they were recorded with
     */
    String name();

    /**
     * SHA-256 fingerprint of the model (weights, tokenizer, configs). Two models with the same
     * fingerprint are the same model, which a retention comparison refuses unless the chain says
     * {@code allowingSameModel()}.
     *
     * @return the fingerprint as a hexadecimal string
     */
    String fingerprint();

    /**
     * The scorecard of this model on {@code suite}. A live model scores the suite on the first call
     * and returns the same scorecard for every later call with a suite of the same content hash; a
     * recorded model returns the scorecard recorded on exactly this suite.
     *
     * @param suite the suite to be scored on
     * @return the model's scorecard on {@code suite}
     * @throws IllegalStateException for a recorded model that was not scored on exactly this suite;
     *     the message names the suite and the recorded suites, or says the suite has changed since
     */
    Scorecard scorecard(Suite suite);

    /**
     * The suite assertions use when they name none.
     *
     * @return the default suite, or empty when none was set with {@link #withDefaultSuite(Suite)}
     */
    Optional<Suite> defaultSuite();

    /**
     * The evaluator of a live model (for perplexity and diagnostics); empty for recorded scorecards.
     *
     * @return the evaluator the live model is scored with, or empty for recorded scorecards
     */
    Optional<Evaluator> evaluator();

    /**
     * The same model with {@code suite} as its default suite.
     *
     * @param suite the suite that assertions naming no suite use
     * @return a new instance; this one is unchanged. A live model's copy shares the scorecards
     *     already computed
     */
    ScoredModel withDefaultSuite(Suite suite);

    /**
     * A live model with the default evaluation settings ({@link EvalConfig#defaults()}). Nothing is
     * scored until a scorecard is asked for.
     *
     * @param model the loaded model; it stays owned by the caller, who closes it
     * @return a live scored model without a default suite
     */
    static ScoredModel of(CausalLm model) {
        return of(model, EvalConfig.defaults());
    }

    /**
     * A live model scored with {@code config}. Each suite is scored once per returned instance (and
     * its {@link #withDefaultSuite(Suite)} copies); nothing is cached on disk.
     *
     * @param model the loaded model; it stays owned by the caller, who closes it
     * @param config the evaluation settings (batch size, prompt and chat template, progress)
     * @return a live scored model without a default suite
     */
    static ScoredModel of(CausalLm model, EvalConfig config) {
        return new LiveScoredModel(Evaluator.of(model, config), Optional.empty(), ScorecardStore.none());
    }

    /**
     * Recorded scorecards of one model (all must share its fingerprint), one per suite.
     *
     * @param scorecards at least one scorecard; each is served only for the suite it was scored on
     * @return a recorded model named after the first scorecard's model, without a default suite
     * @throws IllegalArgumentException when no scorecard is given, or when two belong to models of
     *     different fingerprints (the message names both)
     */
    static ScoredModel recorded(Scorecard... scorecards) {
        return new RecordedScoredModel(Arrays.stream(scorecards).map(c -> new RecordedScoredModel.Recorded(c, "")).toList(), Optional.empty());
    }

    /**
     * Recorded scorecards read from JSON files written by {@link Scorecard#write(Path)}; refused when a
     * file was edited or damaged (checksum), and used only for the exact suite it was scored on.
     * All files are read at once; failure messages name the file a scorecard came from.
     *
     * @param scorecardFiles at least one scorecard file
     * @return a recorded model named after the first file's model, without a default suite
     * @throws java.io.UncheckedIOException when a file cannot be read
     * @throws dev.retention.eval.ScorecardFormatException naming the file when it is truncated,
     *     corrupt or of another schema version
     * @throws IllegalArgumentException when no file is given, or when two files belong to models of
     *     different fingerprints (the message names both files)
     */
    static ScoredModel recorded(Path... scorecardFiles) {
        return new RecordedScoredModel(Arrays.stream(scorecardFiles).map(f -> new RecordedScoredModel.Recorded(
                Scorecard.read(f), f.toString())).toList(), Optional.empty());
    }
}
