package dev.retention.diagnostics.internal;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.model.CausalLm;
import dev.retention.model.DiagonalFisher;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Fisher-weighted drift: {@code Σ_i F_i (θ_i - θ*_i)²}, with F the diagonal empirical Fisher of the
 * baseline on a suite's reference answers ({@link DiagonalFisher}). Large values mean the weights
 * that matter for those capabilities moved; half the total is the second-order estimate of the
 * increase in the baseline's mean negative log-likelihood per item (nats).
 *
 * <p>The Fisher estimate costs one forward and backward pass of the baseline per suite item and
 * about twice the model's memory on top of it, which is released before {@link #between} returns.
 * To compare several tuned models against one estimate, pass them together to
 * {@link #between(List, Evaluator, Suite)}.
 */
@API(status = INTERNAL, since = "0.1")
public final class FisherDrift {

    /** Fisher-weighted drift of one layer. */
    @API(status = INTERNAL, since = "0.1")
    public record Layer(String name, double value) {
    }

    private final String tuned;
    private final String baseline;
    private final String suite;
    private final int samples;
    private final Map<String, Double> perParameter;

    private FisherDrift(String tuned, String baseline, String suite, int samples, Map<String, Double> perParameter) {
        this.tuned = tuned;
        this.baseline = baseline;
        this.suite = suite;
        this.samples = samples;
        this.perParameter = perParameter;
    }

    /** Estimates the baseline's Fisher on {@code suite} and weighs the drift of {@code tuned}. */
    public static FisherDrift between(CausalLm tuned, Evaluator baseline, Suite suite) {
        return between(List.of(tuned), baseline, suite).get(0);
    }

    /**
     * Estimates the baseline's Fisher on {@code suite} once and weighs the drift of each tuned model;
     * the estimate (a second copy of the baseline with gradients) is closed before returning.
     */
    public static List<FisherDrift> between(List<CausalLm> tuned, Evaluator baseline, Suite suite) {
        CausalLm b = baseline.model();
        var rows = baseline.answerRows(suite);
        EvalConfig cfg = baseline.config();
        LongConsumer meter = cfg.progressMeter(b.name() + ": Fisher on " + suite.name(), rows.size());
        try (DiagonalFisher fisher = DiagonalFisher.estimate(b.directory(), ModelOptions.defaults().withDevice(b.device()),
                rows, meter::accept)) {
            List<FisherDrift> out = new ArrayList<>(tuned.size());
            for (CausalLm t : tuned) {
                out.add(new FisherDrift(t.name(), b.name(), suite.name(), fisher.samples(), fisher.weightedDrift(t)));
            }
            return out;
        }
    }

    public String tuned() {
        return tuned;
    }

    public String baseline() {
        return baseline;
    }

    public String suite() {
        return suite;
    }

    /** Requests the Fisher estimate averaged over. */
    public int samples() {
        return samples;
    }

    /** {@code Σ_i F_i (θ_i - θ*_i)²} over all weights. */
    public double total() {
        return perParameter.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    public Map<String, Double> perParameter() {
        return perParameter;
    }

    /** Per layer (a parameter's module), model order. */
    public List<Layer> layers() {
        Map<String, Double> m = new LinkedHashMap<>();
        perParameter.forEach((k, v) -> m.merge(ParameterDrift.layerOf(k), v, Double::sum));
        List<Layer> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Layer(k, v)));
        return out;
    }

    public List<Layer> topLayers(int n) {
        return layers().stream().sorted(Comparator.comparingDouble(Layer::value).reversed()).limit(n).toList();
    }
}
