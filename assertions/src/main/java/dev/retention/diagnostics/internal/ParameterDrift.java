package dev.retention.diagnostics.internal;

import dev.retention.model.CausalLm;
import dev.retention.model.internal.ParameterDelta;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * How far a fine-tune moved every weight from its baseline, matched by parameter name (seed 004's
 * {@code measure_parameter_drift}, without its head exclusion):
 *
 * <pre>
 *   RMS drift = sqrt( Σ_i (θ_i - θ*_i)² / N )
 * </pre>
 *
 * overall, per layer (a parameter's module, e.g. {@code core.blocks.0.qkv}) and per parameter.
 * A parameter whose largest absolute change is exactly 0 is bit-identical.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class ParameterDrift {

    /**
     * Drift of one layer (all parameters of one module).
     *
     * @param name the module, e.g. {@code core.blocks.0.qkv}: a parameter's name without its last component
     * @param count number of weights (elements) in the layer's parameters
     * @param sumSquaredDiff {@code Σ (θ_i - θ*_i)²} over those weights
     * @param parameters number of parameters in the layer
     * @param changedParameters how many of them are not bit-identical
     */
    @API(status = INTERNAL, since = "0.1")
    public record Layer(String name, long count, double sumSquaredDiff, int parameters, int changedParameters) {
        /**
         * RMS drift of the layer's weights: {@code sqrt(sumSquaredDiff / count)}.
         *
         * @return the RMS drift, in the weights' own units; NaN for a layer of no weights
         */
        public double rms() {
            return Math.sqrt(sumSquaredDiff / count);
        }
    }

    private final String tuned;
    private final String baseline;
    private final List<ParameterDelta> deltas;

    private ParameterDrift(String tuned, String baseline, List<ParameterDelta> deltas) {
        this.tuned = tuned;
        this.baseline = baseline;
        this.deltas = List.copyOf(deltas);
    }

    /**
     * Compares every parameter of {@code tuned} with {@code baseline}'s, matched by name.
     *
     * @param tuned the fine-tuned model
     * @param baseline the model it was tuned from
     * @return the drift of every parameter
     * @throws IllegalArgumentException when the models' parameter names differ, or a parameter's shape does
     *     (the message names them)
     */
    public static ParameterDrift between(CausalLm tuned, CausalLm baseline) {
        return new ParameterDrift(tuned.name(), baseline.name(), tuned.parameterDeltas(baseline));
    }

    /**
     * The tuned model, by name.
     *
     * @return the tuned model's name
     */
    public String tuned() {
        return tuned;
    }

    /**
     * The baseline model, by name.
     *
     * @return the baseline model's name
     */
    public String baseline() {
        return baseline;
    }

    /**
     * Per-parameter deltas, in the model's parameter order.
     *
     * @return an unmodifiable list with one delta per parameter of the tuned model
     */
    public List<ParameterDelta> parameters() {
        return deltas;
    }

    /**
     * RMS drift over all weights.
     *
     * @return {@code sqrt(Σ (θ_i - θ*_i)² / N)} over all N weights of all parameters; 0 when nothing changed
     */
    public double rms() {
        double ss = 0;
        long n = 0;
        for (ParameterDelta d : deltas) {
            ss += d.sumSquaredDiff();
            n += d.count();
        }
        return Math.sqrt(ss / n);
    }

    /**
     * Per-layer drift, in model order.
     *
     * @return one entry per layer, in the order the layers first appear; a new list on each call
     */
    public List<Layer> layers() {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (ParameterDelta d : deltas) {
            String layer = layerOf(d.name());
            long[] c = counts.computeIfAbsent(layer, k -> new long[3]);
            c[0] += d.count();
            c[1]++;
            c[2] += d.identical() ? 0 : 1;
            sums.computeIfAbsent(layer, k -> new double[1])[0] += d.sumSquaredDiff();
        }
        List<Layer> out = new ArrayList<>();
        counts.forEach((k, c) -> out.add(new Layer(k, c[0], sums.get(k)[0], (int) c[1], (int) c[2])));
        return out;
    }

    /**
     * The {@code n} layers with the largest RMS drift, largest first.
     *
     * @param n how many layers at most; not negative
     * @return an unmodifiable list of at most {@code n} layers
     * @throws IllegalArgumentException when {@code n} is negative
     */
    public List<Layer> topLayers(int n) {
        return layers().stream().sorted(Comparator.comparingDouble(Layer::rms).reversed()).limit(n).toList();
    }

    /**
     * Names of parameters that changed at all.
     *
     * @return the names of the parameters that are not bit-identical, in model order; an unmodifiable list
     */
    public List<String> changed() {
        return deltas.stream().filter(d -> !d.identical()).map(ParameterDelta::name).toList();
    }

    /**
     * Changed parameters whose name does not fully match {@code allowed}.
     *
     * @param allowed the names that may change; a name must match it as a whole ({@code Matcher.matches()})
     * @return the names of changed parameters outside {@code allowed}, in model order; an unmodifiable list
     */
    public List<String> changedOutside(Pattern allowed) {
        return changed().stream().filter(n -> !allowed.matcher(n).matches()).toList();
    }

    /** The module a parameter belongs to: its name without the last component. */
    static String layerOf(String parameter) {
        int dot = parameter.lastIndexOf('.');
        return dot < 0 ? parameter : parameter.substring(0, dot);
    }
}
