package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.jni.JniUtils;
import dev.retention.model.DecoderSpec.Activation;
import dev.retention.model.DecoderSpec.Attention;
import dev.retention.model.DecoderSpec.Attention.QkNorm;
import dev.retention.model.DecoderSpec.LayerType;
import dev.retention.model.DecoderSpec.Mlp;
import dev.retention.model.DecoderWeights.LayerWeights;
import dev.retention.model.DecoderWeights.NormWeights;
import dev.retention.model.TensorNames.Role;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The forward pass of a decoder-only transformer composed from the blocks of a {@link DecoderSpec}:
 * embeddings, then per layer [norm] → attention → [norm] → residual, [norm] → MLP → [norm] →
 * residual, then the final norm and the output projection. Each block follows the op order of the
 * corresponding transformers module (eager attention, float32), so results agree with transformers
 * to float32 rounding.
 *
 * <p>All intermediate arrays belong to the manager of the input ids or to a scope under it that closes
 * when its layer or block ends (weights are never the first operand of an op, as DJL attaches a result to
 * its first operand's manager); the caller closes that manager. Not thread-safe for one cache; the weights
 * are only read.
 */
final class Transformer {

    /** transformers' additive mask value: {@code torch.finfo(float32).min}. */
    static final float MASKED = -Float.MAX_VALUE;

    /**
     * The most elements one chunk of the attention scores or of the MLP's inner activations holds (16 MiB in
     * float32; a single query position over very many keys may hold more). A pass over many tokens computes
     * the scores for a few query positions at a time, and the MLP for a few token rows at a time, so these,
     * the largest activations (a batch's whole {@code [rows, heads, tokens, tokens]} scores grow with the
     * square of its length), stay bounded. Not chunked: the hidden states and projections, which grow with the
     * tokens, and the additive mask {@code [rows, 1, tokens, tokens]}. Every query and every row is computed by
     * the same ops as unchunked; the results agree to float32 rounding.
     */
    static final long CHUNK_ELEMENTS = 4L << 20;

    private final DecoderWeights weights;
    private final DecoderSpec spec;
    private final Adapter adapter;
    private volatile long chunkElements = CHUNK_ELEMENTS;

    Transformer(DecoderWeights weights, Adapter adapter) {
        this.weights = weights;
        this.spec = weights.spec();
        this.adapter = adapter;
    }

    DecoderSpec spec() {
        return spec;
    }

    DecoderWeights weights() {
        return weights;
    }

    Adapter adapter() {
        return adapter;
    }

    /** Sets the chunk budget ({@link #CHUNK_ELEMENTS} by default); tests compare chunked with whole passes. */
    void chunkElements(long elements) {
        chunkElements = elements;
    }

    /**
     * One forward pass.
     *
     * @param ids int64 {@code [batch, tokens]} (the new tokens only when a cache holds earlier ones)
     * @param positions int64 {@code [batch, tokens]}: each token's position (RoPE or learned)
     * @param rowLengths per row, its largest real position plus one (dynamic RoPE and LongRoPE use it)
     * @param masks additive float masks {@code [batch, 1, tokens, cached + tokens]} per layer type
     * @param cache keys and values of earlier tokens, extended in place; {@code null} for none
     * @return the final hidden states {@code [batch, tokens, hidden]}
     */
    NDArray hidden(NDArray ids, NDArray positions, long[] rowLengths, Map<LayerType, NDArray> masks, KvCache cache) {
        NDArray x = ids.getNDArrayInternal().embedding(ids, weights.embed(), SparseFormat.DENSE).singletonOrThrow();
        if (spec.embeddingScale() != 1.0) {
            x = x.mul(scalar(x, spec.embeddingScale()));
        }
        if (weights.positions() != null) {
            NDArray pos = positions.getNDArrayInternal().embedding(positions, weights.positions(), SparseFormat.DENSE)
                    .singletonOrThrow();
            x = x.add(pos);
        }
        Map<LayerType, NDArray[]> rotary = new EnumMap<>(LayerType.class);
        if (!spec.positions().learned()) {
            spec.positions().rope().forEach((type, rope) -> rotary.put(type, rope.cosSin(positions, rowLengths)));
        }
        NDManager call = x.getManager();
        // Without autograd, temporaries nobody reads again are overwritten in place (fewer allocations and
        // memory passes; the same values bit for bit). While a gradient collector records (the Fisher
        // estimate) every op keeps its output, since backward may read it. (Grad mode, not the input's
        // requires_grad, which DJL reports false for its embedding op's output although gradients flow.)
        boolean inPlace = !JniUtils.isGradMode();
        for (int i = 0; i < spec.layers(); i++) {
            LayerType type = spec.layerTypes().get(i);
            NDArray[] cs = rotary.isEmpty() ? null : rotary.getOrDefault(type, rotary.get(LayerType.FULL));
            // each layer's temporaries (and its input) are freed when the layer ends, so a pass holds one
            // layer's activations at a time instead of every layer's until the call's manager closes;
            // autograd keeps its own references to what a backward pass needs
            try (NDManager scope = call.newSubManager()) {
                x.attach(scope);
                x = layer(i, x, cs, masks.get(type), cache, inPlace);
                x.attach(call);
            }
        }
        return norm(x, weights.finalNorm(), inPlace);
    }

    /** Logits {@code [rows, vocab]} of final hidden states {@code [rows, hidden]}. */
    NDArray logits(NDArray hiddenRows) {
        NDArray logits = project(weights.lmHead(), hiddenRows);
        boolean inPlace = !JniUtils.isGradMode(); // one [rows, vocab] array rather than one per step
        if (spec.logitsDivisor() != 1.0) {
            NDArray divisor = scalar(logits, spec.logitsDivisor());
            logits = inPlace ? logits.divi(divisor) : logits.div(divisor);
        }
        if (spec.finalSoftcap().isPresent()) {
            logits = softcap(logits, spec.finalSoftcap().getAsDouble(), inPlace);
        }
        return logits;
    }

    private NDArray layer(int i, NDArray x, NDArray[] cosSin, NDArray mask, KvCache cache, boolean inPlace) {
        LayerWeights w = weights.layer(i);
        DecoderSpec.Layer shape = spec.layer();
        // each block in its own scope: the attention's temporaries are freed before the MLP allocates its own
        // (not in a decoding step, whose temporaries are tiny: the layer's scope frees them, one scope fewer)
        boolean step = x.getShape().get(1) == 1;
        NDArray h = inScope(step, x, in -> {
            NDArray a = attention(i, w, shape.preAttentionNorm() ? norm(in, w.norm(Role.PRE_ATTENTION_NORM), inPlace) : in,
                    cosSin, mask, cache, inPlace);
            return shape.postAttentionNorm() ? norm(a, w.norm(Role.POST_ATTENTION_NORM), inPlace) : a;
        });
        x = residual(x, h, inPlace);
        h = inScope(step, x, in -> {
            NDArray m = mlp(w, shape.preMlpNorm() ? norm(in, w.norm(Role.PRE_MLP_NORM), inPlace) : in, inPlace);
            return shape.postMlpNorm() ? norm(m, w.norm(Role.POST_MLP_NORM), inPlace) : m;
        });
        return residual(x, h, inPlace);
    }

    private static NDArray inScope(boolean step, NDArray x, UnaryOperator<NDArray> block) {
        return step ? block.apply(x) : scoped(x, block);
    }

    /**
     * {@code block(x)} with every array the block makes freed when it returns, its result excepted (which joins
     * {@code x}'s manager); {@code x} itself is only lent to the block. Ops put their output in their first
     * operand's manager, so the block's temporaries land in its scope. Autograd keeps its own references to
     * what a backward pass reads, so this holds while a gradient collector records too.
     */
    private static NDArray scoped(NDArray x, UnaryOperator<NDArray> block) {
        NDManager owner = x.getManager();
        try (NDManager scope = owner.newSubManager()) {
            x.tempAttach(scope);
            NDArray out = block.apply(x);
            out.attach(owner);
            return out;
        }
    }

    /**
     * {@code tanh(x / cap) · cap}. In place, {@code x} is divided in place and freed once its {@code tanh}
     * exists (DJL has no in-place {@code tanh}), so one array of its size remains; the values are the same.
     */
    private static NDArray softcap(NDArray x, double value, boolean inPlace) {
        NDArray cap = scalar(x, value);
        if (!inPlace) {
            return x.div(cap).tanh().mul(cap);
        }
        NDArray tanh = x.divi(cap).tanh();
        x.close();
        return tanh.muli(cap);
    }

    /** {@code x + h·m}; in place into {@code h}, a fresh output of the block (x + y equals y + x exactly). */
    private NDArray residual(NDArray x, NDArray h, boolean inPlace) {
        double m = spec.layer().residualMultiplier();
        if (inPlace) {
            return (m == 1.0 ? h : h.muli(scalar(h, m))).addi(x);
        }
        return x.add(m == 1.0 ? h : h.mul(scalar(h, m)));
    }

    private NDArray attention(int i, LayerWeights w, NDArray h, NDArray[] cosSin, NDArray mask, KvCache cache,
                              boolean inPlace) {
        Attention a = spec.attention();
        Shape in = h.getShape();
        long b = in.get(0);
        long t = in.get(1);
        int hd = spec.headDim();
        long qWidth = (long) spec.heads() * hd;
        long kvWidth = (long) spec.kvHeads() * hd;
        NDArray q;
        NDArray k;
        NDArray v;
        if (w.linear(Role.QKV) != null) {
            NDArray qkv = project(w.linear(Role.QKV), h);
            q = qkv.get(new NDIndex().addAllDim(2).addSliceDim(0, qWidth));
            k = qkv.get(new NDIndex().addAllDim(2).addSliceDim(qWidth, qWidth + kvWidth));
            v = qkv.get(new NDIndex().addAllDim(2).addSliceDim(qWidth + kvWidth, qWidth + 2 * kvWidth));
        } else {
            q = project(w.linear(Role.Q), h);
            k = project(w.linear(Role.K), h);
            v = project(w.linear(Role.V), h);
        }
        if (a.qkNorm() == QkNorm.WHOLE) {
            q = norm(q, w.norm(Role.Q_NORM), inPlace);
            k = norm(k, w.norm(Role.K_NORM), inPlace);
        }
        q = q.reshape(b, t, spec.heads(), hd);
        k = k.reshape(b, t, spec.kvHeads(), hd);
        v = v.reshape(b, t, spec.kvHeads(), hd);
        if (a.qkNorm() == QkNorm.PER_HEAD) {
            q = norm(q, w.norm(Role.Q_NORM), inPlace);
            k = norm(k, w.norm(Role.K_NORM), inPlace);
        }
        q = q.transpose(0, 2, 1, 3);
        k = k.transpose(0, 2, 1, 3);
        v = v.transpose(0, 2, 1, 3);
        if (cosSin != null) {
            q = rotate(q, cosSin, inPlace);
            k = rotate(k, cosSin, inPlace);
        }
        if (cache != null) {
            NDArray[] kv = cache.append(i, k, v);
            k = kv[0];
            v = kv[1];
        }
        long s = k.getShape().get(2);
        NDArray keysT = k.transpose(0, 1, 3, 2);
        NDArray values = v;
        long chunk = Math.max(1, chunkElements / Math.max(1, b * spec.heads() * s));
        NDArray heads;
        if (chunk >= t) {
            heads = inScope(t == 1, q, part -> attend(part, keysT, values, mask, inPlace));
        } else {
            NDArray all = q;
            heads = inChunks(t, chunk, 2, (from, to) -> {
                NDIndex queries = new NDIndex().addAllDim(2).addSliceDim(from, to);
                NDArray rows = mask.get(queries);
                rows.attach(all.getManager()); // a view for this layer, not the call's
                return scoped(all.get(queries), part -> attend(part, keysT, values, rows, inPlace));
            });
        }
        return project(w.linear(Role.O), heads.transpose(0, 2, 1, 3).reshape(b, t, qWidth));
    }

    /**
     * Attention of queries {@code [b, heads, t, hd]} over keys {@code [b, kvHeads, hd, s]} (transposed) and
     * values {@code [b, kvHeads, s, hd]} with the additive mask {@code [b, 1, t, s]}: {@code [b, heads, t, hd]}.
     * Grouped-query attention without repeating keys and values: the query heads that share a key/value head
     * (consecutive, as transformers' repeat_kv pairs them) are stacked along the token axis, so each key/value
     * head is multiplied once and the cache is never copied per query head.
     */
    private NDArray attend(NDArray q, NDArray keysT, NDArray v, NDArray mask, boolean inPlace) {
        Attention a = spec.attention();
        long b = q.getShape().get(0);
        long t = q.getShape().get(2);
        long s = keysT.getShape().get(3);
        int hd = spec.headDim();
        int groups = spec.heads() / spec.kvHeads();
        NDArray product = q.reshape(b, spec.kvHeads(), groups * t, hd).matMul(keysT);
        NDArray scale = scalar(product, a.scale());
        NDArray scores = inPlace ? product.muli(scale) : product.mul(scale);
        if (a.softcap().isPresent()) {
            scores = softcap(scores, a.softcap().getAsDouble(), inPlace);
        }
        scores = scores.reshape(b, spec.heads(), t, s);
        scores = inPlace ? scores.addi(mask) : scores.add(mask);
        // the caller's scope frees the scores and their softmax as soon as this returns
        return scores.softmax(-1).reshape(b, spec.kvHeads(), groups * t, s).matMul(v).reshape(b, spec.heads(), t, hd);
    }

    /** {@code x·cos + rotate_half(x)·sin} on the first {@code rope.dim()} dimensions of each head. */
    private static NDArray rotate(NDArray x, NDArray[] cosSin, boolean inPlace) {
        long d = x.getShape().get(3);
        long r = cosSin[0].getShape().get(3);
        NDArray rot = r == d ? x : x.get(new NDIndex().addAllDim(3).addSliceDim(0, r));
        NDArray x1 = rot.get(new NDIndex().addAllDim(3).addSliceDim(0, r / 2));
        NDArray x2 = rot.get(new NDIndex().addAllDim(3).addSliceDim(r / 2, r));
        NDArray half = x2.neg().concat(x1, 3);
        NDArray out = inPlace ? rot.mul(cosSin[0]).addi(half.muli(cosSin[1])) : rot.mul(cosSin[0]).add(half.mul(cosSin[1]));
        if (r == d) {
            return out;
        }
        return out.concat(x.get(new NDIndex().addAllDim(3).addSliceDim(r, d)), 3);
    }

    /** The MLP of {@code h} {@code [..., hidden]}, a chunk of token rows at a time when they are many. */
    private NDArray mlp(LayerWeights w, NDArray h, boolean inPlace) {
        Shape shape = h.getShape();
        long width = shape.get(shape.dimension() - 1);
        long rows = shape.size() / width;
        Mlp m = spec.mlp();
        long inner = m.kind() == Mlp.Kind.FUSED_GATED ? 2L * m.intermediate() : m.intermediate();
        long chunk = Math.max(1, chunkElements / inner);
        if (chunk >= rows) {
            return mlpRows(w, h, inPlace);
        }
        NDArray flat = h.reshape(rows, width);
        return inChunks(rows, chunk, 0,
                (from, to) -> scoped(flat.get(new NDIndex().addSliceDim(from, to)), x -> mlpRows(w, x, inPlace)))
                .reshape(shape);
    }

    /** One part of a chunked computation: the result for items {@code [from, to)}. */
    private interface Chunk {
        NDArray compute(long from, long to);
    }

    /** The parts for {@code [0, total)}, {@code chunk} items at a time, joined along {@code axis}. */
    private static NDArray inChunks(long total, long chunk, int axis, Chunk part) {
        List<NDArray> parts = new ArrayList<>();
        for (long from = 0; from < total; from += chunk) {
            parts.add(part.compute(from, Math.min(total, from + chunk)));
        }
        return NDArrays.concat(new NDList(parts), axis);
    }

    private NDArray mlpRows(LayerWeights w, NDArray h, boolean inPlace) {
        Mlp m = spec.mlp();
        switch (m.kind()) {
            case GATED: {
                NDArray gate = project(w.linear(Role.GATE), h);
                NDArray act = activate(gate, inPlace);
                if (act != gate) {
                    gate.close(); // read by nothing else (autograd holds its own reference)
                }
                NDArray up = project(w.linear(Role.UP), h);
                NDArray product = inPlace ? act.muli(up) : act.mul(up);
                up.close();
                return project(w.linear(Role.DOWN), product);
            }
            case FUSED_GATED: {
                NDArray gu = project(w.linear(Role.GATE_UP), h);
                long f = m.intermediate();
                int last = gu.getShape().dimension() - 1; // [b, t, 2f], or [rows, 2f] for a chunk of rows
                NDArray gate = gu.get(new NDIndex().addAllDim(last).addSliceDim(0, f));
                NDArray up = gu.get(new NDIndex().addAllDim(last).addSliceDim(f, 2 * f));
                return project(w.linear(Role.DOWN), up.mul(activate(gate, inPlace)));
            }
            case PLAIN_CONV1D:
                return project(w.linear(Role.FC_OUT), activate(project(w.linear(Role.FC_IN), h), inPlace));
            default:
                throw new IllegalStateException(m.kind().toString());
        }
    }

    /** The activation of {@code x}, a fresh projection output that nothing else reads. */
    private NDArray activate(NDArray x, boolean inPlace) {
        Activation act = spec.mlp().activation();
        switch (act) {
            case SILU: {
                NDArray sigmoid = x.getNDArrayInternal().sigmoid();
                return inPlace ? sigmoid.muli(x) : x.mul(sigmoid);
            }
            case GELU_TANH: {
                // transformers' NewGELUActivation: 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
                NDArray cubic = x.pow(scalar(x, 3)).mul(scalar(x, 0.044715));
                NDArray inner = x.add(cubic).mul(scalar(x, Math.sqrt(2.0 / Math.PI)));
                return x.mul(scalar(x, 0.5)).mul(inner.tanh().add(scalar(x, 1)));
            }
            case GELU:
                return x.mul(scalar(x, 0.5)).mul(x.div(scalar(x, Math.sqrt(2.0))).erf().add(scalar(x, 1)));
            default:
                throw new IllegalStateException(act.toString());
        }
    }

    /** RMSNorm {@code x · (mean(x²) + eps)^-1/2 · w} or LayerNorm, over the last dimension. */
    private NDArray norm(NDArray x, NormWeights n, boolean inPlace) {
        if (n.bias() != null) {
            long width = x.getShape().get(x.getShape().dimension() - 1);
            return x.getNDArrayInternal().layerNorm(x, new Shape(width), n.weight(), n.bias(),
                    (float) spec.norm().eps()).singletonOrThrow();
        }
        int last = x.getShape().dimension() - 1;
        // x·x and a division by the root rather than pow(2) and pow(-0.5): DJL's pow with a scalar exponent
        // makes the exponent a tensor first and costs several times as much per call (measured 16-21 against
        // 3-4 microseconds on a decode step's [6, 1, 576]); the results differ by float32 rounding only
        NDArray variance = x.mul(x).mean(new int[] {last}, true);
        NDArray normed = x.div(variance.add(scalar(variance, spec.norm().eps())).sqrt());
        // Gemma: output * (1.0 + weight), the sum computed in float32 on every call as transformers does
        if (!n.plusOne()) {
            return inPlace ? normed.muli(n.weight()) : normed.mul(n.weight());
        }
        NDArray scale = n.weight().add(1f);
        scale.attach(normed.getManager()); // a result belongs to its first operand's manager: the model's
        return normed.mul(scale);
    }

    private NDArray project(Linear l, NDArray x) {
        if (adapter == null) {
            return l.apply(x);
        }
        return adapter.apply(l.module(), x, adapter.base(l).apply(x));
    }

    /**
     * {@code v} as a 0-dimensional array of {@code like}'s type, allocated by the engine in {@code like}'s manager.
     * Every scalar operand of the forward pass (LoRA's scaling too) goes through here, never DJL's
     * {@code mul(Number)} and its kin: those wrap the number in an array over a Java buffer and close it as
     * soon as the op returns, but autograd keeps that operand for the backward pass (a product's gradient is the
     * other factor), which then reads memory the JVM may already have freed. Measured: with a garbage
     * collection between forward and backward every Fisher row came out NaN. The engine's own
     * allocation lives as long as autograd holds it; the values are the same.
     */
    static NDArray scalar(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, like.getDataType());
    }
}
