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
 */
@API(status = STABLE, since = "0.1")
public interface ScoredModel {

    /** Display name, e.g. the model directory name. */
    String name();

    /** SHA-256 fingerprint of the model (weights, tokenizer, configs). */
    String fingerprint();

    /**
     * The scorecard of this model on {@code suite}.
     *
     * @throws IllegalStateException for a recorded model that was not scored on exactly this suite
     */
    Scorecard scorecard(Suite suite);

    /** The suite assertions use when they name none. */
    Optional<Suite> defaultSuite();

    /** The evaluator of a live model (for perplexity and diagnostics); empty for recorded scorecards. */
    Optional<Evaluator> evaluator();

    /** The same model with {@code suite} as its default suite. */
    ScoredModel withDefaultSuite(Suite suite);

    /** A live model with the default evaluation settings. */
    static ScoredModel of(CausalLm model) {
        return of(model, EvalConfig.defaults());
    }

    /** A live model scored with {@code config}. */
    static ScoredModel of(CausalLm model, EvalConfig config) {
        return new LiveScoredModel(Evaluator.of(model, config), Optional.empty(), ScorecardStore.none());
    }

    /** A live model whose scorecards go through {@code store} (e.g. an on-disk cache). */
    static ScoredModel of(CausalLm model, EvalConfig config, ScorecardStore store) {
        return new LiveScoredModel(Evaluator.of(model, config), Optional.empty(), store);
    }

    /** Recorded scorecards of one model (all must share its fingerprint), one per suite. */
    static ScoredModel recorded(Scorecard... scorecards) {
        return new RecordedScoredModel(Arrays.stream(scorecards).map(c -> new RecordedScoredModel.Recorded(c, "")).toList(), Optional.empty());
    }

    /**
     * Recorded scorecards read from JSON files written by {@link Scorecard#write(Path)}; refused when a
     * file was edited or damaged (checksum), and used only for the exact suite it was scored on.
     */
    static ScoredModel recorded(Path... scorecardFiles) {
        return new RecordedScoredModel(Arrays.stream(scorecardFiles).map(f -> new RecordedScoredModel.Recorded(
                Scorecard.read(f), f.toString())).toList(), Optional.empty());
    }
}
