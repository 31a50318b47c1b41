package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import dev.retention.model.internal.ParameterDelta;
import dev.retention.model.internal.Spectrum;

/**
 * Weight-space comparisons of two loaded models, computed inside the engine one parameter at a
 * time (no weight matrix is copied whole to the Java heap).
 *
 * <p>Parameters are matched by their TorchScript name ({@code named_parameters()}), never by
 * position; a name present in only one model is an error (the architectures differ). Natively loaded
 * Hugging Face checkpoints name their parameters as in the checkpoint.
 *
 * <p>Both models must be loaded locally and open: a served model gives no weights
 * ({@link UnsupportedOperationException}) and a closed one fails with {@link IllegalStateException}.
 * Reached from other packages through {@link CausalLm#parameterDeltas}, {@link CausalLm#changeSpectrum} and
 * {@link CausalLm#parameterShapes}.
 */
final class Weights {

    private Weights() {
    }

    /**
     * Every parameter's delta, in the tuned model's parameter order. For a LoRA adapter over the
     * baseline (one shared set of base weights) only the adapter's changes are computed — from its
     * factors, {@code ΔW = s · B·A} — and every parameter it does not touch is bit-identical by
     * construction.
     *
     * @param tuned the fine-tuned model
     * @param baseline the model it is compared with
     * @return one delta per parameter, computed in float64 (the baseline's weights moved to the tuned model's
     *     device when they differ)
     * @throws IllegalArgumentException naming the parameters when the two models' parameter names differ, or
     *     naming the parameter and both shapes when a shape differs
     */
    static List<ParameterDelta> deltas(CausalLm tuned, CausalLm baseline) {
        Map<String, NDArray> base = parameters(baseline);
        List<ParameterDelta> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : matched(tuned, base).entrySet()) {
            String name = e.getKey();
            NDArray t = e.getValue();
            NDArray b = base.get(name);
            if (!t.getShape().equals(b.getShape())) {
                throw new IllegalArgumentException("parameter " + name + " has shape " + t.getShape()
                        + " in the tuned model but " + b.getShape() + " in the baseline");
            }
            try (NDManager scope = t.getManager().newSubManager()) {
                NDArray d = difference(scope, tuned, baseline, name, t, b);
                NDArray bb = effective(scope, baseline, name, b);
                double baseSs = bb.square().sum().getDouble();
                if (d == null) {
                    out.add(new ParameterDelta(name, t.getShape().getShape(), t.getShape().size(), 0, 0, baseSs));
                } else {
                    double ss = d.square().sum().getDouble();
                    double max = d.abs().max().getDouble();
                    out.add(new ParameterDelta(name, t.getShape().getShape(), t.getShape().size(), ss, max, baseSs));
                }
            }
        }
        return out;
    }

    /**
     * {@code tuned - baseline} for one parameter in float64 on the tuned model's device, owned by
     * {@code scope}; {@code null} when both read the same base array and no adapter changes it.
     */
    private static NDArray difference(NDManager scope, CausalLm tuned, CausalLm baseline, String name, NDArray t,
                                      NDArray b) {
        if (t == b) {
            NDArray ct = adapterChange(scope, tuned, name, t);
            NDArray cb = adapterChange(scope, baseline, name, b);
            if (ct == null && cb == null) {
                return null;
            }
            return cb == null ? ct : ct == null ? cb.neg() : ct.sub(cb);
        }
        NDArray et = effective(scope, tuned, name, t);
        NDArray eb = effective(scope, baseline, name, b);
        return et.sub(eb.getDevice().equals(et.getDevice()) ? eb : own(scope, eb.toDevice(et.getDevice(), true)));
    }

    /** The parameter as the model computes with it (base weight plus its adapter's change), float64, in {@code scope}. */
    static NDArray effective(NDManager scope, CausalLm model, String name, NDArray base) {
        NDArray b = own(scope, base.toType(DataType.FLOAT64, true));
        NDArray change = adapterChange(scope, model, name, base);
        return change == null ? b : b.add(change);
    }

    /**
     * What {@code model}'s adapter adds to the base parameter {@code name} ({@code s · B·A} for a LoRA
     * weight, in the parameter's stored orientation; the difference of a replaced bias or weight), or
     * {@code null}.
     */
    private static NDArray adapterChange(NDManager scope, CausalLm model, String name, NDArray base) {
        LoraAdapter adapter = model.adapter();
        if (adapter == null) {
            return null;
        }
        boolean weight = name.endsWith(".weight");
        if (!weight && !name.endsWith(".bias")) {
            return null;
        }
        String module = name.substring(0, name.lastIndexOf('.'));
        NDArray change = null;
        Linear replaced = adapter.replaced().get(module);
        if (replaced != null) {
            NDArray r = weight ? replaced.weight() : replaced.bias();
            if (r != null && r != base) {
                change = own(scope, r.toType(DataType.FLOAT64, true)).sub(own(scope, base.toType(DataType.FLOAT64, true)));
            }
        }
        LoraAdapter.Lora lora = adapter.loras().get(module);
        if (weight && lora != null) {
            NDArray ba = own(scope, lora.b().toType(DataType.FLOAT64, true))
                    .matMul(own(scope, lora.a().toType(DataType.FLOAT64, true))).mul((double) lora.scaling());
            if (!java.util.Arrays.equals(ba.getShape().getShape(), base.getShape().getShape())) {
                ba = ba.transpose(); // a Conv1D stores [in, out]
            }
            change = change == null ? ba : change.add(ba);
        }
        return change;
    }

    /**
     * The leading {@code k} singular values of {@code ΔW} for a 2-D parameter. For a LoRA weight
     * over the baseline's own weights they are exact from the factors: with {@code B = Q_B R_B} and
     * {@code Aᵀ = Q_A R_A}, {@code s · B·A} has the singular values of the {@code r × r} matrix
     * {@code s · R_B R_Aᵀ} (no product of full matrices is formed). Otherwise by a randomized range
     * finder: {@code Y = ΔW Ω} with a seeded Gaussian {@code Ω} of {@code k} columns,
     * {@code Q = orth(Y)}, then the exact singular values of {@code B = Qᵀ ΔW}. Exact when
     * {@code rank(ΔW) ≤ k}; for full-rank changes the estimates of the leading values are lower
     * bounds, enough to show the rank exceeds a small {@code r < k}.
     *
     * @param tuned the fine-tuned model
     * @param baseline the model it is compared with
     * @param name a 2-D parameter present in both models (see {@link #shapes(CausalLm)})
     * @param k how many singular values to estimate; capped at the smaller matrix dimension (the exact factor
     *     path gives as many as the LoRA rank instead)
     * @param seed seeds the Gaussian test matrix, so a result is reproducible
     * @return the spectrum, with no singular values (and {@code frobeniusSquared} 0) when the parameter did not
     *     change
     * @throws IllegalArgumentException naming the parameter when either model lacks it, the shapes differ or it
     *     is not a matrix
     */
    static Spectrum spectrum(CausalLm tuned, CausalLm baseline, String name, int k, long seed) {
        NDArray t = parameters(tuned).get(name);
        NDArray b = parameters(baseline).get(name);
        if (t == null || b == null) {
            throw new IllegalArgumentException("no parameter '" + name + "' in " + (t == null ? tuned : baseline).name());
        }
        if (!t.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException(name + " has shape " + t.getShape() + " in " + tuned.name() + " but "
                    + b.getShape() + " in " + baseline.name());
        }
        if (t.getShape().dimension() != 2) {
            throw new IllegalArgumentException(name + " is not a matrix (shape " + t.getShape() + ")");
        }
        long m = t.getShape().get(0);
        long n = t.getShape().get(1);
        Spectrum fromFactors = factorSpectrum(tuned, baseline, name, t, b);
        if (fromFactors != null) {
            return fromFactors;
        }
        int kk = (int) Math.min(k, Math.min(m, n));
        try (NDManager scope = t.getManager().newSubManager()) {
            NDArray d = difference(scope, tuned, baseline, name, t, b);
            if (d == null) {
                return new Spectrum(name, m, n, new double[0], 0);
            }
            double fro = d.square().sum().getDouble();
            double[] omega = new double[(int) (n * kk)];
            SplittableRandom rnd = new SplittableRandom(seed);
            for (int i = 0; i < omega.length; i++) {
                omega[i] = gaussian(rnd);
            }
            double[] y = d.matMul(scope.create(omega, new Shape(n, kk))).toDoubleArray();
            double[][] q = orthonormalColumns(y, (int) m, kk);
            double[] qd = new double[(int) (m * q.length)];
            for (int c = 0; c < q.length; c++) {
                for (int r = 0; r < m; r++) {
                    qd[r * q.length + c] = q[c][r];
                }
            }
            double[] sv = new double[0];
            if (q.length > 0) {
                double[] bt = scope.create(qd, new Shape(m, q.length)).transpose().matMul(d).toDoubleArray();
                sv = singularValuesOfWide(bt, q.length, (int) n);
            }
            return new Spectrum(name, m, n, sv, fro);
        }
    }

    /** The exact spectrum of a LoRA change when the baseline computes with the same, unchanged base weight; else null. */
    private static Spectrum factorSpectrum(CausalLm tuned, CausalLm baseline, String name, NDArray t, NDArray b) {
        LoraAdapter adapter = tuned.adapter();
        if (t != b || adapter == null || baseline.adapter() != null || !name.endsWith(".weight")) {
            return null;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        LoraAdapter.Lora lora = adapter.loras().get(module);
        Linear replaced = adapter.replaced().get(module);
        if (lora == null || (replaced != null && replaced.weight() != t)) {
            return null;
        }
        long[] shape = t.getShape().getShape();
        double[] sv;
        try (NDManager scope = t.getManager().newSubManager()) {
            sv = LowRank.singularValues(own(scope, lora.b().toType(DataType.FLOAT64, true)).toDoubleArray(),
                    own(scope, lora.a().toType(DataType.FLOAT64, true)).toDoubleArray(), (int) lora.b().getShape().get(0),
                    lora.rank(), (int) lora.a().getShape().get(1), Math.abs((double) lora.scaling()));
        }
        double fro = 0;
        for (double v : sv) {
            fro += v * v;
        }
        return new Spectrum(name, shape[0], shape[1], sv, fro);
    }

    /**
     * Names and shapes of the model's parameters, in TorchScript order.
     *
     * @param model a locally loaded, open model
     * @return a new map from parameter name to its shape, in the model's parameter order (for a Hugging Face
     *     checkpoint, Retention's order of its tensors)
     */
    static Map<String, long[]> shapes(CausalLm model) {
        Map<String, long[]> out = new LinkedHashMap<>();
        parameters(model).forEach((k, v) -> out.put(k, v.getShape().getShape()));
        return out;
    }

    static Map<String, NDArray> parameters(CausalLm model) {
        return model.parameters();
    }

    static Map<String, NDArray> matched(CausalLm tuned, Map<String, NDArray> base) {
        Map<String, NDArray> t = parameters(tuned);
        if (!t.keySet().equals(base.keySet())) {
            List<String> onlyTuned = t.keySet().stream().filter(k -> !base.containsKey(k)).limit(5).toList();
            List<String> onlyBase = base.keySet().stream().filter(k -> !t.containsKey(k)).limit(5).toList();
            throw new IllegalArgumentException("the models' parameters differ (different architectures?): only in "
                    + tuned.name() + ": " + onlyTuned + "; only in the baseline: " + onlyBase);
        }
        for (Map.Entry<String, NDArray> e : t.entrySet()) {
            Shape want = base.get(e.getKey()).getShape();
            if (!e.getValue().getShape().equals(want)) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " has shape " + e.getValue().getShape()
                        + " in " + tuned.name() + " but " + want + " in the baseline (a resized vocabulary?)");
            }
        }
        return t;
    }

    /** {@code tuned - baseline} in float64 on the tuned model's device, owned by {@code scope}. */
    static NDArray diff(NDManager scope, NDArray t, NDArray b) {
        NDArray tt = own(scope, t.toType(DataType.FLOAT64, true));
        NDArray onDevice = b.getDevice().equals(t.getDevice()) ? b : own(scope, b.toDevice(t.getDevice(), true));
        NDArray bb = own(scope, onDevice.toType(DataType.FLOAT64, true));
        return tt.sub(bb);
    }

    /**
     * Moves {@code a} under {@code scope}. DJL attaches an op's result to its input's manager, so
     * results computed from a model's parameters must be re-owned or they live as long as the model.
     */
    static NDArray own(NDManager scope, NDArray a) {
        a.attach(scope);
        return a;
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    }

    /**
     * Modified Gram-Schmidt on the columns of the row-major {@code m × k} matrix {@code y};
     * numerically zero columns are dropped. Returns column vectors.
     */
    static double[][] orthonormalColumns(double[] y, int m, int k) {
        List<double[]> cols = new ArrayList<>();
        double maxNorm = 0;
        double[][] raw = new double[k][m];
        for (int c = 0; c < k; c++) {
            for (int r = 0; r < m; r++) {
                raw[c][r] = y[r * k + c];
            }
            maxNorm = Math.max(maxNorm, norm(raw[c]));
        }
        for (int c = 0; c < k; c++) {
            double[] v = raw[c];
            for (int pass = 0; pass < 2; pass++) {
                for (double[] q : cols) {
                    double dot = 0;
                    for (int r = 0; r < m; r++) {
                        dot += q[r] * v[r];
                    }
                    for (int r = 0; r < m; r++) {
                        v[r] -= dot * q[r];
                    }
                }
            }
            double nv = norm(v);
            if (nv > 1e-10 * maxNorm && nv > 0) {
                for (int r = 0; r < m; r++) {
                    v[r] /= nv;
                }
                cols.add(v);
            }
        }
        return cols.toArray(new double[0][]);
    }

    /** Singular values (descending) of the row-major {@code k × n} matrix {@code b}, k small. */
    static double[] singularValuesOfWide(double[] b, int k, int n) {
        double[][] g = new double[k][k];
        for (int i = 0; i < k; i++) {
            for (int j = i; j < k; j++) {
                double s = 0;
                for (int c = 0; c < n; c++) {
                    s += b[i * n + c] * b[j * n + c];
                }
                g[i][j] = s;
                g[j][i] = s;
            }
        }
        double[] ev = SymmetricEigen.values(g);
        double[] sv = new double[k];
        for (int i = 0; i < k; i++) {
            sv[i] = Math.sqrt(Math.max(0, ev[i]));
        }
        return sv;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
