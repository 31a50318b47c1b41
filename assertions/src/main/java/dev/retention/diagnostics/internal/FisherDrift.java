package dev.retention.diagnostics.internal;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.model.CausalLm;
import dev.retention.model.internal.FisherEstimate;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Suite;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Fisher-weighted drift: {@code Σ_i F_i (θ_i - θ*_i)²}, with F the diagonal empirical Fisher of the
 * baseline on a suite's reference answers ({@link FisherEstimate}). Large values mean the weights
 * that matter for those capabilities moved; half the total is the second-order estimate of the
 * increase in the baseline's mean negative log-likelihood per item (nats).
 *
 * <p>The Fisher estimate costs one forward and backward pass of the baseline per suite item and
 * about twice the model's memory on top of it, which is released before {@link #between} returns.
 * To compare several tuned models against one estimate, pass them together to
 * {@link #between(List, Evaluator, Suite)}.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class FisherDrift {

    /**
     * Fisher-weighted drift of one layer.
     *
     * @param name the layer: a parameter's module, its name without the last component
     * @param value {@code Σ_i F_i (θ_i - θ*_i)²} over the weights of the layer's parameters
     */
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
        this.perParameter = Collections.unmodifiableMap(perParameter);
    }

    /**
     * Estimates the baseline's Fisher on {@code suite} and weighs the drift of {@code tuned}; as
     * {@link #between(List, Evaluator, Suite)} with one tuned model.
     *
     * @param tuned the fine-tuned model
     * @param baseline the evaluator of the baseline model, whose Fisher is estimated
     * @param suite the suite whose reference answers ({@link Evaluator#answerRows(Suite)}) are the requests
     * @return the Fisher-weighted drift of {@code tuned}
     * @throws IllegalArgumentException when the suite has no item with a reference answer, or when the
     *     tuned model's parameter names differ from the baseline's
     * @throws IllegalStateException when the Fisher estimate is not finite (naming the parameter)
     */
    public static FisherDrift between(CausalLm tuned, Evaluator baseline, Suite suite) {
        return between(List.of(tuned), baseline, suite).get(0);
    }

    /**
     * Estimates the baseline's Fisher on {@code suite} once and weighs the drift of each tuned model;
     * the estimate (a second copy of the baseline with gradients) is closed before returning, also when
     * it fails. The copy is loaded from the baseline's directory with default options on the baseline's
     * device; progress is reported as the baseline's evaluator is configured to.
     *
     * @param tuned the fine-tuned models, in the order of the result
     * @param baseline the evaluator of the baseline model, whose Fisher is estimated
     * @param suite the suite whose reference answers ({@link Evaluator#answerRows(Suite)}) are the requests
     * @return one drift per tuned model, in their order
     * @throws IllegalArgumentException when the suite has no item with a reference answer, or when a tuned
     *     model's parameter names differ from the baseline's
     * @throws IllegalStateException when the Fisher estimate is not finite (naming the parameter), or the baseline
     *     is a served model or a PEFT adapter (naming it)
     */
    public static List<FisherDrift> between(List<CausalLm> tuned, Evaluator baseline, Suite suite) {
        CausalLm b = baseline.model();
        if (b.isServed()) {
            throw new IllegalStateException("the Fisher-weighted drift needs the baseline's weights and gradients, but "
                    + b.name() + " is a served model; give a local copy of it as the baseline");
        }
        if (b.isAdapter()) {
            throw new IllegalStateException("the Fisher-weighted drift needs the baseline's full weights, but "
                    + b.name() + " is a PEFT adapter; give its merged model (or its base) as the baseline");
        }
        var rows = baseline.answerRows(suite);
        EvalConfig cfg = baseline.config();
        LongConsumer meter = cfg.progressMeter(b.name() + ": Fisher on " + suite.name(), rows.size());
        try (FisherEstimate fisher = CausalLm.estimateFisher(b.directory(), ModelOptions.defaults().withDevice(b.device()),
                rows, meter::accept)) {
            List<FisherDrift> out = new ArrayList<>(tuned.size());
            for (CausalLm t : tuned) {
                out.add(new FisherDrift(t.name(), b.name(), suite.name(), fisher.samples(), fisher.weightedDrift(t)));
            }
            return out;
        }
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
     * The suite the Fisher was estimated on, by name.
     *
     * @return the suite's name
     */
    public String suite() {
        return suite;
    }

    /**
     * Requests the Fisher estimate averaged over.
     *
     * @return the number of requests: one per suite item with a reference answer
     */
    public int samples() {
        return samples;
    }

    /**
     * {@code Σ_i F_i (θ_i - θ*_i)²} over all weights.
     *
     * @return the total, at least 0; half of it estimates, to second order, how much the tuned weights
     *     raise the baseline's mean negative log-likelihood per item, in nats
     */
    public double total() {
        return perParameter.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /**
     * {@code Σ_i F_i (θ_i - θ*_i)²} per parameter, by the parameter's name, in the model's order.
     *
     * @return an unmodifiable view of the map this drift holds
     */
    public Map<String, Double> perParameter() {
        return perParameter;
    }

    /**
     * Per layer (a parameter's module), model order.
     *
     * @return the sum of {@link #perParameter()} over each layer's parameters, in the order the layers
     *     first appear; a new list on each call
     */
    public List<Layer> layers() {
        Map<String, Double> m = new LinkedHashMap<>();
        perParameter.forEach((k, v) -> m.merge(ParameterDrift.layerOf(k), v, Double::sum));
        List<Layer> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new Layer(k, v)));
        return out;
    }

    /**
     * The {@code n} layers with the largest Fisher-weighted drift, largest first.
     *
     * @param n how many layers at most; not negative
     * @return an unmodifiable list of at most {@code n} layers
     * @throws IllegalArgumentException when {@code n} is negative
     */
    public List<Layer> topLayers(int n) {
        return layers().stream().sorted(Comparator.comparingDouble(Layer::value).reversed()).limit(n).toList();
    }
}
