package dev.retention.diagnostics.internal;

import dev.retention.model.CausalLm;
import dev.retention.model.Weights;
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
 */
@API(status = INTERNAL, since = "0.1")
public final class ParameterDrift {

    /** Drift of one layer (all parameters of one module). */
    @API(status = INTERNAL, since = "0.1")
    public record Layer(String name, long count, double sumSquaredDiff, int parameters, int changedParameters) {
        public double rms() {
            return Math.sqrt(sumSquaredDiff / count);
        }
    }

    private final String tuned;
    private final String baseline;
    private final List<Weights.ParameterDelta> deltas;

    private ParameterDrift(String tuned, String baseline, List<Weights.ParameterDelta> deltas) {
        this.tuned = tuned;
        this.baseline = baseline;
        this.deltas = List.copyOf(deltas);
    }

    /** Compares every parameter of {@code tuned} with {@code baseline}'s. */
    public static ParameterDrift between(CausalLm tuned, CausalLm baseline) {
        return new ParameterDrift(tuned.name(), baseline.name(), Weights.deltas(tuned, baseline));
    }

    public String tuned() {
        return tuned;
    }

    public String baseline() {
        return baseline;
    }

    /** Per-parameter deltas, in the model's parameter order. */
    public List<Weights.ParameterDelta> parameters() {
        return deltas;
    }

    /** RMS drift over all weights. */
    public double rms() {
        double ss = 0;
        long n = 0;
        for (Weights.ParameterDelta d : deltas) {
            ss += d.sumSquaredDiff();
            n += d.count();
        }
        return Math.sqrt(ss / n);
    }

    /** Per-layer drift, in model order. */
    public List<Layer> layers() {
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, double[]> sums = new LinkedHashMap<>();
        for (Weights.ParameterDelta d : deltas) {
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

    /** The {@code n} layers with the largest RMS drift, largest first. */
    public List<Layer> topLayers(int n) {
        return layers().stream().sorted(Comparator.comparingDouble(Layer::rms).reversed()).limit(n).toList();
    }

    /** Names of parameters that changed at all. */
    public List<String> changed() {
        return deltas.stream().filter(d -> !d.identical()).map(Weights.ParameterDelta::name).toList();
    }

    /** Changed parameters whose name does not fully match {@code allowed}. */
    public List<String> changedOutside(Pattern allowed) {
        return changed().stream().filter(n -> !allowed.matcher(n).matches()).toList();
    }

    /** The module a parameter belongs to: its name without the last component. */
    static String layerOf(String parameter) {
        int dot = parameter.lastIndexOf('.');
        return dot < 0 ? parameter : parameter.substring(0, dot);
    }
}
