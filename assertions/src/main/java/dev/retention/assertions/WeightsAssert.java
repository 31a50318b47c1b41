package dev.retention.assertions;

import dev.retention.diagnostics.internal.ChangeRank;
import dev.retention.diagnostics.internal.ParameterDrift;
import dev.retention.model.CausalLm;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import static org.apiguardian.api.API.Status.EXPERIMENTAL;

/**
 * Where in weight space a fine-tune moved ({@link ParameterDrift}, {@link ChangeRank}):
 *
 * <pre>{@code
 * assertThatModel(lora).weightsComparedTo(base)
 *         .changedOnlyParametersMatching(".*\\.(qkv|proj|fc|out)\\.weight")
 *         .hasLowRankChanges(8);
 * assertThatModel(tuned).weightsComparedTo(base).hasRmsDriftAtMost(0.01);
 * }</pre>
 *
 * <p>Both models must be loaded and have the same parameters (names and shapes). Every verdict is
 * published as a {@link DiagnosticVerdict} of kind {@code weights}, pass or fail.
 *
 * @since 0.1
 */
@API(status = EXPERIMENTAL, since = "0.1")
public class WeightsAssert extends ChainedAssert<WeightsAssert, WeightComparison> {

    private static final int SHOWN = 10;

    WeightsAssert(WeightComparison actual) {
        super(actual, WeightsAssert.class);
    }

    /**
     * The RMS drift over all weights, {@code sqrt(Σ (θ - θ*)² / N)}, is at most {@code max}. A
     * failure lists the layers that drifted most.
     *
     * @param max the largest allowed RMS drift, in the weights' own units
     * @return this assertion, for chaining
     * @throws IllegalStateException when either model is a recorded scorecard
     * @throws IllegalArgumentException when the models' parameters differ in names or shapes, or {@code max} is
     *     negative or NaN
     */
    public WeightsAssert hasRmsDriftAtMost(double max) {
        conclude();
        if (!(max >= 0)) {
            throw new IllegalArgumentException("the RMS drift bound must be at least 0, got " + max);
        }
        ParameterDrift d = drift();
        List<String> details = new ArrayList<>();
        for (ParameterDrift.Layer l : d.topLayers(SHOWN)) {
            details.add(String.format(Locale.ROOT, "%s: RMS drift %.6f (%d of %d parameters changed)", l.name(), l.rms(),
                    l.changedParameters(), l.parameters()));
        }
        return verdict("RMS drift", d.rms(), "≤ " + DiagnosticVerdict.number(max), d.rms() <= max, details,
                String.format(Locale.ROOT, "Expected the RMS weight drift of %s from %s to be at most %s, but it is "
                        + "%s. Top drifting layers:", name(), base(), DiagnosticVerdict.number(max),
                        DiagnosticVerdict.number(d.rms())));
    }

    /**
     * Only parameters whose full name matches {@code regex} changed; every other one is
     * bit-identical to the baseline (the frozen-base check of LoRA and other adapter methods). A
     * failure lists the first parameters that changed outside the pattern.
     *
     * @param regex a {@link Pattern} that must match a changed parameter's whole name
     * @return this assertion, for chaining
     * @throws java.util.regex.PatternSyntaxException when {@code regex} is not a valid pattern
     * @throws IllegalStateException when either model is a recorded scorecard
     * @throws IllegalArgumentException when the models' parameters differ in names or shapes
     */
    public WeightsAssert changedOnlyParametersMatching(String regex) {
        conclude();
        Pattern pattern = Pattern.compile(regex); // a bad pattern is refused before the weights are compared
        List<String> outside = drift().changedOutside(pattern);
        return verdict("parameters changed outside /" + regex + "/", outside.size(), "= 0",
                outside.isEmpty(), outside.stream().limit(SHOWN).toList(), String.format(Locale.ROOT,
                        "Expected %s to differ from %s only in parameters matching /%s/, but %d others changed. First "
                                + "ones:", name(), base(), regex, outside.size()));
    }

    /**
     * Every changed weight matrix's {@code ΔW} has numerical rank at most {@code maxRank} (singular
     * values above {@code 1e-3 · σ_1} counted), as a merged rank-r LoRA's are. Ranks are resolved
     * only up to {@code maxRank + 8}; a higher one is reported as exceeding that.
     *
     * @param maxRank the largest allowed rank of a weight change
     * @return this assertion, for chaining
     * @throws IllegalStateException when either model is a recorded scorecard
     * @throws IllegalArgumentException when the models' parameters differ in names or shapes
     */
    public WeightsAssert hasLowRankChanges(int maxRank) {
        conclude();
        CausalLm t = WeightComparison.loaded(actual.tuned());
        CausalLm b = WeightComparison.loaded(actual.baseline());
        List<ChangeRank> ranks = ChangeRank.of(t, b, drift(), maxRank, ChangeRank.TOLERANCE);
        List<ChangeRank> high = ranks.stream().filter(r -> r.rank() > maxRank).toList();
        List<String> details = new ArrayList<>();
        for (ChangeRank r : (high.isEmpty() ? ranks : high).stream().limit(SHOWN).toList()) {
            details.add(String.format(Locale.ROOT, "%s [%d×%d]: rank %s", r.parameter(), r.rows(), r.cols(),
                    r.rank() > maxRank + 8 ? "> " + (maxRank + 8) : Integer.toString(r.rank())));
        }
        int worst = ranks.stream().mapToInt(ChangeRank::rank).max().orElse(0);
        // ranks are only resolved up to maxRank + 8; beyond that the line says so instead of a number
        boolean resolved = worst <= maxRank + 8;
        return verdict(resolved ? "highest rank of a ΔW" : "highest rank of a ΔW > " + (maxRank + 8),
                resolved ? worst : Double.NaN, "≤ " + maxRank, high.isEmpty(), details, String.format(Locale.ROOT,
                "Expected every weight change of %s from %s to have rank at most %d, but %d of %d changed matrices "
                        + "do not:", name(), base(), maxRank, high.size(), ranks.size()));
    }

    private String name() {
        return actual.tuned().name();
    }

    private String base() {
        return actual.baseline().name();
    }

    private ParameterDrift drift() {
        isNotNull();
        return ParameterDrift.between(WeightComparison.loaded(actual.tuned()), WeightComparison.loaded(actual.baseline()));
    }

    private WeightsAssert verdict(String check, double value, String bound, boolean passed, List<String> details,
                                  String headline) {
        RetentionEvents.publish(new DiagnosticVerdict("weights", name(), base(), check, value, bound, passed, details));
        if (!passed) {
            failWithMessage("%s", headline + "\n  " + String.join("\n  ", details));
        }
        return myself;
    }
}
