package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.Devices;
import dev.retention.model.internal.EngineThreads;
import dev.retention.model.internal.FisherEstimate;

/**
 * The diagonal of the empirical Fisher information of a (baseline) model, the importance measure
 * behind EWC:
 *
 * <pre>
 *   F_i = 1/N · Σ_n ( ∂ log p_θ*(y_n | x_n) / ∂θ_i )²
 * </pre>
 *
 * over N scored requests (x_n, y_n) — for a suite, each item's prompt and reference answer — at the
 * baseline's weights θ*. {@link #weightedDrift(CausalLm)} then gives, per parameter,
 * {@code Σ_i F_i (θ_i - θ*_i)²}: "did the weights that matter for these requests move?". Half of
 * the total is the quadratic (second-order) estimate of how much the tuned weights raise the
 * baseline's mean negative log-likelihood on those requests, in nats.
 *
 * <p>Gradients come from DJL's autograd: for a Hugging Face checkpoint through Retention's own
 * forward pass (parameters named as in the checkpoint), for a legacy TorchScript export through
 * the module in training mode (dropout layers, if the export kept any, are active then).
 *
 * <p>Cost: one forward and one backward pass per request (batch size 1, as the estimator needs
 * per-request gradients), about three times the cost of scoring. Memory: the model is loaded a
 * second time with gradients enabled, plus one float accumulator per parameter.
 *
 * <p>The estimate holds that second copy of the model until {@link #close()}. Estimates run one at a time in a
 * JVM (DJL allows one gradient collector at once). Reached from other packages through
 * {@link CausalLm#estimateFisher}, as a {@link FisherEstimate}.
 */
final class DiagonalFisher implements FisherEstimate {

    private static final Object COLLECTOR = new Object(); // DJL allows one gradient collector per JVM

    /** A model loaded with gradients: its parameters and its logits at chosen positions of one row. */
    private interface Differentiable extends AutoCloseable {
        Map<String, NDArray> parameters();

        NDManager manager();

        /** Logits {@code [positions, vocab]} of one row, recorded for autograd. */
        NDArray logits(NDManager m, long[] ids, long[] positions);

        @Override
        void close();
    }

    private final Differentiable model;
    private final Map<String, NDArray> fisher;
    private final int samples;

    private DiagonalFisher(Differentiable model, Map<String, NDArray> fisher, int samples) {
        this.model = model;
        this.fisher = fisher;
        this.samples = samples;
    }

    /** The estimate {@link CausalLm#estimateFisher} describes. */
    static DiagonalFisher estimate(Path dir, ModelOptions options, List<ScoreRow> rows, IntConsumer progress) {
        return estimate(dir, options, rows, progress, () -> { });
    }

    /**
     * {@link #estimate(Path, ModelOptions, List, IntConsumer)} running {@code betweenForwardAndBackward} after
     * each row's forward pass, before its backward pass: lets a test collect the garbage there, which is where
     * memory the backward pass still reads must not be the JVM's to free.
     */
    static DiagonalFisher estimate(Path dir, ModelOptions options, List<ScoreRow> rows, IntConsumer progress,
                                   Runnable betweenForwardAndBackward) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("the Fisher estimate needs at least one request");
        }
        Differentiable model = load(ModelFiles.in(dir), Devices.resolve(options.device()));
        boolean ok = false;
        try {
            Map<String, NDArray> acc = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray w = e.getValue();
                acc.put(e.getKey(), model.manager().zeros(w.getShape(), DataType.FLOAT32, w.getDevice()));
            }
            synchronized (COLLECTOR) {
                for (int i = 0; i < rows.size(); i++) {
                    accumulate(model, acc, rows.get(i), betweenForwardAndBackward);
                    progress.accept(i + 1);
                }
            }
            for (Map.Entry<String, NDArray> e : acc.entrySet()) {
                NDArray a = e.getValue().divi(rows.size());
                try (NDManager scope = a.getManager().newSubManager()) {
                    NDArray bad = a.isNaN().logicalOr(a.isInfinite());
                    bad.attach(scope);
                    if (bad.any().getBoolean()) {
                        throw new IllegalStateException("the Fisher estimate of " + dir + " over " + rows.size()
                                + " requests is not finite at parameter '" + e.getKey() + "'; no drift is computed"
                                + " from it. Report this with the model and suite.");
                    }
                }
            }
            ok = true;
            return new DiagonalFisher(model, acc, rows.size());
        } finally {
            if (!ok) {
                model.close();
            }
        }
    }

    private static Differentiable load(ModelFiles files, String device) {
        if (files.format() == ModelFiles.Format.SAFETENSORS) {
            DecoderSpec spec = Families.resolve(HfConfig.read(files.config().orElseThrow()));
            NativeLm lm = NativeLm.load(spec, CheckpointTensors.open(files.directory()), Devices.toDjl(device));
            lm.parameters().values().forEach(a -> a.setRequiresGradient(true));
            return new Differentiable() {
                @Override
                public Map<String, NDArray> parameters() {
                    return lm.parameters();
                }

                @Override
                public NDManager manager() {
                    return lm.manager();
                }

                @Override
                public NDArray logits(NDManager m, long[] ids, long[] positions) {
                    long[] mask = new long[ids.length];
                    java.util.Arrays.fill(mask, 1);
                    return lm.logits(m, ids, mask, 1, ids.length, positions);
                }

                @Override
                public void close() {
                    lm.close();
                }
            };
        }
        TorchScriptArchive.checkLoadable(files.torchScript().orElseThrow());
        ZooModel<NDList, NDList> zoo = files.loadTorchScript(device, true, "cannot load it with gradients enabled");
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : zoo.getBlock().getParameters()) {
            params.putIfAbsent(p.getKey(), p.getValue().getArray());
        }
        return new Differentiable() {
            @Override
            public Map<String, NDArray> parameters() {
                return params;
            }

            @Override
            public NDManager manager() {
                return zoo.getNDManager();
            }

            @Override
            public NDArray logits(NDManager m, long[] ids, long[] positions) {
                int t = ids.length;
                long[] mask = new long[t];
                java.util.Arrays.fill(mask, 1);
                NDList out = zoo.getBlock().forward(new ParameterStore(m, false),
                        new NDList(m.create(ids, new Shape(1, t)), m.create(mask, new Shape(1, t))), true);
                NDArray logits = out.get(0).toType(DataType.FLOAT32, false);
                return logits.reshape(t, logits.getShape().get(2)).get(m.create(positions));
            }

            @Override
            public void close() {
                zoo.close();
            }
        };
    }

    /** One request: forward and backward of its summed target log-probability, then F += grad². */
    private static void accumulate(Differentiable model, Map<String, NDArray> acc, ScoreRow row,
                                   Runnable betweenForwardAndBackward) {
        int t = row.input().length;
        long[] ids = new long[t];
        for (int j = 0; j < t; j++) {
            ids[j] = row.input()[j];
        }
        long[] positions = new long[row.targets().length];
        long[] targets = new long[row.targets().length];
        for (int j = 0; j < positions.length; j++) {
            positions[j] = row.firstTarget() + j;
            targets[j] = row.targets()[j];
        }
        try (NDManager m = model.manager().newSubManager();
             GradientCollector collector = EngineThreads.pytorch().newGradientCollector()) {
            NDArray logp = model.logits(m, ids, positions).logSoftmax(1);
            NDArray ll = logp.gather(m.create(targets, new Shape(targets.length, 1)), 1).sum();
            betweenForwardAndBackward.run();
            collector.backward(ll);
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                NDArray w = e.getValue();
                if (!w.hasGradient()) {
                    continue;
                }
                try (NDArray g = w.getGradient()) {
                    try (NDArray sq = g.square()) {
                        acc.get(e.getKey()).addi(sq);
                    }
                    g.subi(g); // zero in place: gradients accumulate across backward passes
                }
            }
        }
    }

    @Override
    public int samples() {
        return samples;
    }

    @Override
    public Map<String, Double> trace() {
        Map<String, Double> out = new LinkedHashMap<>();
        fisher.forEach((k, f) -> {
            try (NDManager scope = f.getManager().newSubManager()) {
                out.put(k, Weights.own(scope, f.toType(DataType.FLOAT64, true)).sum().getDouble());
            }
        });
        return out;
    }

    @Override
    public Map<String, Double> weightedDrift(CausalLm tuned) {
        return tuned.calling(() -> drift(tuned)); // tuned cannot be closed under the computation
    }

    private Map<String, Double> drift(CausalLm tuned) {
        Map<String, NDArray> base = model.parameters();
        Map<String, NDArray> t = Weights.matched(tuned, base);
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : t.entrySet()) {
            NDArray f = fisher.get(e.getKey());
            try (NDManager scope = f.getManager().newSubManager()) {
                NDArray tw = Weights.effective(scope, tuned, e.getKey(), e.getValue()); // with any adapter's change
                NDArray bw = base.get(e.getKey());
                NDArray d = (tw.getDevice().equals(bw.getDevice()) ? tw : Weights.own(scope, tw.toDevice(bw.getDevice(),
                        false))).sub(Weights.own(scope, bw.toType(DataType.FLOAT64, true)));
                NDArray w = d.square().mul(Weights.own(scope, f.toType(DataType.FLOAT64, true)));
                out.put(e.getKey(), w.sum().getDouble());
            }
        }
        return out;
    }

    @Override
    public void close() {
        fisher.values().forEach(NDArray::close);
        model.close();
    }
}
