package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

import java.util.Arrays;

/**
 * Rotary position embeddings as transformers computes them ({@code modeling_rope_utils.py}): the
 * inverse frequencies {@code 1 / θ^(2i/d)} in float32, rescaled by the RoPE type, then
 * {@code cos}/{@code sin} of {@code position · inv_freq} with the halves duplicated ({@code rotate_half}
 * convention, not interleaved).
 *
 * <p>Types: {@code default}, {@code linear} (frequencies ÷ factor), {@code dynamic} (NTK: θ grows with
 * the sequence once it exceeds {@code max_position_embeddings}), {@code llama3} (low frequencies
 * ÷ factor, smoothed band), {@code yarn} (ramp between interpolation and extrapolation, attention
 * factor on cos/sin) and {@code longrope} (per-frequency short or long factors).
 *
 * <p>Dynamic and longrope depend on the length of the sequence. transformers keeps that state
 * between calls (a model that once saw a long batch keeps its stretched frequencies for later
 * shorter ones above the original length); Retention computes it from each forward pass alone
 * ({@code seq_len = max(position) + 1}), which equals transformers on a freshly loaded model and makes
 * a score independent of what was scored before it.
 */
final class Rope {

    enum Type {
        DEFAULT, LINEAR, DYNAMIC, LLAMA3, YARN, LONGROPE
    }

    private final Type type;
    private final double theta;
    private final int dim;
    private final double factor;
    private final int maxPositions;
    private final int originalMaxPositions;
    private final double lowFreqFactor;
    private final double highFreqFactor;
    private final double attentionFactor;
    private final double betaFast;
    private final double betaSlow;
    private final boolean truncate;
    private final double[] shortFactor;
    private final double[] longFactor;
    private final float[] baseInvFreq;

    private Rope(Type type, double theta, int dim, double factor, int maxPositions, int originalMaxPositions,
                 double lowFreqFactor, double highFreqFactor, double attentionFactor, double betaFast, double betaSlow,
                 boolean truncate, double[] shortFactor, double[] longFactor) {
        this.type = type;
        this.theta = theta;
        this.dim = dim;
        this.factor = factor;
        this.maxPositions = maxPositions;
        this.originalMaxPositions = originalMaxPositions;
        this.lowFreqFactor = lowFreqFactor;
        this.highFreqFactor = highFreqFactor;
        this.attentionFactor = attentionFactor;
        this.betaFast = betaFast;
        this.betaSlow = betaSlow;
        this.truncate = truncate;
        this.shortFactor = shortFactor;
        this.longFactor = longFactor;
        this.baseInvFreq = compute(maxPositions);
    }

    static Rope plain(double theta, int dim) {
        return new Rope(Type.DEFAULT, theta, dim, 1, 0, 0, 0, 0, 1, 0, 0, true, null, null);
    }

    static Rope linear(double theta, int dim, double factor) {
        return new Rope(Type.LINEAR, theta, dim, factor, 0, 0, 0, 0, 1, 0, 0, true, null, null);
    }

    static Rope dynamic(double theta, int dim, double factor, int maxPositions) {
        return new Rope(Type.DYNAMIC, theta, dim, factor, maxPositions, 0, 0, 0, 1, 0, 0, true, null, null);
    }

    static Rope llama3(double theta, int dim, double factor, double lowFreqFactor, double highFreqFactor,
                       int originalMaxPositions) {
        return new Rope(Type.LLAMA3, theta, dim, factor, 0, originalMaxPositions, lowFreqFactor, highFreqFactor, 1, 0,
                0, true, null, null);
    }

    static Rope yarn(double theta, int dim, double factor, int originalMaxPositions, double attentionFactor,
                     double betaFast, double betaSlow, boolean truncate) {
        return new Rope(Type.YARN, theta, dim, factor, 0, originalMaxPositions, 0, 0, attentionFactor, betaFast,
                betaSlow, truncate, null, null);
    }

    static Rope longrope(double theta, int dim, int originalMaxPositions, double attentionFactor, double[] shortFactor,
                         double[] longFactor) {
        return new Rope(Type.LONGROPE, theta, dim, 1, 0, originalMaxPositions, 0, 0, attentionFactor, 0, 0, true,
                shortFactor.clone(), longFactor.clone());
    }

    Type type() {
        return type;
    }

    double theta() {
        return theta;
    }

    /** Number of rotated dimensions of each head (the rest pass through: partial rotary). */
    int dim() {
        return dim;
    }

    /** The inverse frequencies for a forward pass whose largest position is {@code seqLen - 1}. */
    float[] invFreq(long seqLen) {
        if (type == Type.DYNAMIC && seqLen > maxPositions) {
            return compute(seqLen);
        }
        if (type == Type.LONGROPE) {
            return scaled(seqLen > originalMaxPositions ? longFactor : shortFactor);
        }
        return baseInvFreq.clone();
    }

    /** The factor applied to cos and sin (YaRN's and LongRoPE's attention factor; 1 otherwise). */
    float attentionScaling() {
        return (float) attentionFactor;
    }

    /** Whether the frequencies depend on the sequence length (dynamic NTK, LongRoPE). */
    boolean dependsOnLength() {
        return type == Type.DYNAMIC || type == Type.LONGROPE;
    }

    /**
     * {@code [cos, sin]}, each {@code [batch, 1, tokens, dim]} float32, for int64 {@code positions}
     * {@code [batch, tokens]}; owned by {@code positions}' manager. {@code rowLengths[b]} is the
     * largest real position of row b plus one: length-dependent types compute each row's frequencies
     * from its own length, so a score never depends on what else shares its batch.
     */
    NDArray[] cosSin(NDArray positions, long[] rowLengths) {
        NDManager m = positions.getManager();
        int rows = rowLengths.length;
        int half = dim / 2;
        float[] inv;
        long[] shape;
        if (dependsOnLength()) {
            inv = new float[rows * half];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(invFreq(rowLengths[r]), 0, inv, r * half, half);
            }
            shape = new long[] {rows, 1, half};
        } else {
            inv = baseInvFreq;
            shape = new long[] {1, 1, half};
        }
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(m.create(inv).reshape(shape));
        NDArray emb = NDArrays.concat(new NDList(freqs, freqs), -1);
        NDArray cos = emb.cos();
        NDArray sin = emb.sin();
        if (attentionFactor != 1.0) {
            cos = cos.mul(attentionScaling());
            sin = sin.mul(attentionScaling());
        }
        return new NDArray[] {cos.expandDims(1), sin.expandDims(1)};
    }

    /** {@code 1 / θ^(2i/d)} in float32 arithmetic, as {@code torch.arange(0, d, 2).float() / d} does. */
    private static float[] defaultInvFreq(double base, int dim) {
        float[] inv = new float[dim / 2];
        for (int i = 0; i < inv.length; i++) {
            float exponent = (float) (2 * i) / (float) dim;
            inv[i] = 1.0f / (float) Math.pow(base, exponent);
        }
        return inv;
    }

    private float[] compute(long seqLen) {
        switch (type) {
            case DEFAULT:
                return defaultInvFreq(theta, dim);
            case LINEAR: {
                float[] inv = defaultInvFreq(theta, dim);
                for (int i = 0; i < inv.length; i++) {
                    inv[i] = inv[i] / (float) factor;
                }
                return inv;
            }
            case DYNAMIC: {
                long len = Math.max(seqLen, maxPositions);
                float base = (float) (theta * Math.pow((factor * len / maxPositions) - (factor - 1),
                        (double) dim / (dim - 2)));
                return defaultInvFreq(base, dim);
            }
            case LLAMA3:
                return llama3();
            case YARN:
                return yarn();
            case LONGROPE:
                return scaled(shortFactor);
            default:
                throw new IllegalStateException(type.toString());
        }
    }

    private float[] llama3() {
        float[] inv = defaultInvFreq(theta, dim);
        double lowWavelen = originalMaxPositions / lowFreqFactor;
        double highWavelen = originalMaxPositions / highFreqFactor;
        float[] out = new float[inv.length];
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float llama = wavelen > lowWavelen ? inv[i] / (float) factor : inv[i];
            float smooth = (float) ((originalMaxPositions / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor));
            float smoothed = (1 - smooth) * llama / (float) factor + smooth * llama;
            boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
            out[i] = medium ? smoothed : llama;
        }
        return out;
    }

    private float[] yarn() {
        int half = dim / 2;
        double low = correctionDim(betaFast);
        double high = correctionDim(betaSlow);
        if (truncate) {
            low = Math.floor(low);
            high = Math.ceil(high);
        }
        low = Math.max(low, 0);
        high = Math.min(high, dim - 1);
        if (low == high) {
            high += 0.001;
        }
        float[] out = new float[half];
        for (int i = 0; i < half; i++) {
            float posFreq = (float) Math.pow(theta, (float) (2 * i) / (float) dim);
            float extrapolation = 1.0f / posFreq;
            float interpolation = 1.0f / ((float) factor * posFreq);
            float ramp = (float) Math.min(1, Math.max(0, (i - low) / (high - low)));
            float extrapolationFactor = 1 - ramp;
            out[i] = interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
        }
        return out;
    }

    private double correctionDim(double rotations) {
        return (dim * Math.log(originalMaxPositions / (rotations * 2 * Math.PI))) / (2 * Math.log(theta));
    }

    private float[] scaled(double[] ext) {
        float[] out = new float[dim / 2];
        for (int i = 0; i < out.length; i++) {
            float shape = (float) (2 * i) / (float) dim;
            out[i] = 1.0f / ((float) ext[i] * (float) Math.pow(theta, shape));
        }
        return out;
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + "(theta=" + theta + ", dim=" + dim
                + (factor != 1 ? ", factor=" + factor : "") + (shortFactor != null ? ", short=" + Arrays.toString(
                shortFactor) : "") + ")";
    }
}
