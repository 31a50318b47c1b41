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

/**
 * Weight-space comparisons of two loaded models, computed inside the engine one parameter at a
 * time (no weight matrix is copied whole to the Java heap).
 *
 * <p>Parameters are matched by their TorchScript name ({@code named_parameters()}), never by
 * position; a name present in only one model is an error (the architectures differ).
 */
public final class Weights {

    private Weights() {
    }

    /**
     * Per-parameter difference {@code tuned - baseline}.
     *
     * @param name TorchScript parameter name, e.g. {@code core.blocks.0.qkv.weight}
     * @param shape parameter shape
     * @param count number of elements
     * @param sumSquaredDiff {@code Σ (θ_tuned - θ_baseline)²}
     * @param maxAbsDiff {@code max |θ_tuned - θ_baseline|}; 0 means bit-identical (for finite weights)
     * @param baselineSumSquares {@code Σ θ_baseline²}, to relate drift to the weights' size
     */
    public record ParameterDelta(String name, long[] shape, long count, double sumSquaredDiff, double maxAbsDiff,
                                 double baselineSumSquares) {

        /** Whether every element is identical in both models. */
        public boolean identical() {
            return maxAbsDiff == 0.0;
        }

        /** Root-mean-square drift of this parameter. */
        public double rms() {
            return Math.sqrt(sumSquaredDiff / count);
        }
    }

    /**
     * Estimated leading singular values of {@code ΔW = tuned - baseline} for one 2-D parameter.
     *
     * @param singularValues the top {@code k} singular values, descending
     * @param frobeniusSquared {@code ||ΔW||_F²}; the energy outside the top {@code k} is
     *     {@code frobeniusSquared - Σ σ_i²}
     */
    public record Spectrum(String name, long rows, long cols, double[] singularValues, double frobeniusSquared) {

        /**
         * Numerical rank at relative tolerance {@code tol}: the number of singular values above
         * {@code tol · σ_1}, or {@code k + 1} ("more than computed") when the energy outside the
         * top {@code k} exceeds {@code (tol · σ_1)²}. Zero for an unchanged matrix.
         */
        public int numericalRank(double tol) {
            if (singularValues.length == 0 || singularValues[0] == 0) {
                return 0;
            }
            double cut = tol * singularValues[0];
            int r = 0;
            double captured = 0;
            for (double s : singularValues) {
                captured += s * s;
                if (s > cut) {
                    r++;
                }
            }
            double rest = Math.max(0, frobeniusSquared - captured);
            return rest > cut * cut ? singularValues.length + 1 : r;
        }
    }

    /** Every parameter's delta, in the tuned model's parameter order. */
    public static List<ParameterDelta> deltas(CausalLm tuned, CausalLm baseline) {
        Map<String, NDArray> base = parameters(baseline);
        List<ParameterDelta> out = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : matched(tuned, base).entrySet()) {
            out.add(delta(e.getKey(), e.getValue(), base.get(e.getKey())));
        }
        return out;
    }

    /**
     * The leading {@code k} singular values of {@code ΔW} for a 2-D parameter, by a randomized
     * range finder: {@code Y = ΔW Ω} with a seeded Gaussian {@code Ω} of {@code k} columns,
     * {@code Q = orth(Y)}, then the exact singular values of {@code B = Qᵀ ΔW}. Exact when
     * {@code rank(ΔW) ≤ k}; for full-rank changes the estimates of the leading values are lower
     * bounds, enough to show the rank exceeds a small {@code r < k}.
     */
    public static Spectrum spectrum(CausalLm tuned, CausalLm baseline, String name, int k, long seed) {
        NDArray t = parameters(tuned).get(name);
        NDArray b = parameters(baseline).get(name);
        if (t.getShape().dimension() != 2) {
            throw new IllegalArgumentException(name + " is not a matrix (shape " + t.getShape() + ")");
        }
        long m = t.getShape().get(0);
        long n = t.getShape().get(1);
        int kk = (int) Math.min(k, Math.min(m, n));
        try (NDManager scope = t.getManager().newSubManager()) {
            NDArray d = diff(scope, t, b);
            double fro = d.square().sum().toType(DataType.FLOAT64, false).getDouble();
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

    /** Names and shapes of the model's parameters, in TorchScript order. */
    public static Map<String, long[]> shapes(CausalLm model) {
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
        return t;
    }

    private static ParameterDelta delta(String name, NDArray t, NDArray b) {
        if (!t.getShape().equals(b.getShape())) {
            throw new IllegalArgumentException("parameter " + name + " has shape " + t.getShape()
                    + " in the tuned model but " + b.getShape() + " in the baseline");
        }
        try (NDManager scope = t.getManager().newSubManager()) {
            NDArray d = diff(scope, t, b);
            double ss = d.square().sum().toType(DataType.FLOAT64, false).getDouble();
            double max = d.abs().max().toType(DataType.FLOAT64, false).getDouble();
            double base = own(scope, b.toType(DataType.FLOAT64, true)).square().sum().getDouble();
            return new ParameterDelta(name, t.getShape().getShape(), t.getShape().size(), ss, max, base);
        }
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
