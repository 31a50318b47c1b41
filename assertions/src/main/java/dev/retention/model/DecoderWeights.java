package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.retention.model.DecoderSpec.Attention.QkNorm;
import dev.retention.model.DecoderSpec.Mlp;
import dev.retention.model.DecoderSpec.Norm;
import dev.retention.model.TensorNames.Role;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The weights of a decoder, loaded from a checkpoint by their Hugging Face names with every shape
 * checked against the spec, and owned by one manager (closed with the model). A missing tensor, a
 * tensor of the wrong shape, or a tensor the spec has no use for inside a layer (say, expert weights
 * of a mixture-of-experts model declared as llama) is refused by name.
 */
final class DecoderWeights {

    /** Buffers some exporters write that carry no weights: rotary caches, GPT-2's causal-mask buffers. */
    private static final Pattern IGNORABLE = Pattern.compile(
            ".*(\\.rotary_emb\\.inv_freq|\\.attn\\.bias|\\.attn\\.masked_bias)$");

    /** The norm of one place in the model: its weight (Gemma multiplies by {@code 1 + w}) and LayerNorm bias. */
    record NormWeights(NDArray weight, NDArray bias, boolean plusOne) {
    }

    /** One layer's weights; roles the family lacks are {@code null}. */
    record LayerWeights(Map<Role, Linear> linears, Map<Role, NormWeights> norms) {
        Linear linear(Role r) {
            return linears.get(r);
        }

        NormWeights norm(Role r) {
            return norms.get(r);
        }
    }

    private final DecoderSpec spec;
    private final NDArray embed;
    private final NDArray positions;
    private final NormWeights finalNorm;
    private final Linear lmHead;
    private final List<LayerWeights> layers;
    private final Map<String, NDArray> parameters;

    private DecoderWeights(DecoderSpec spec, NDArray embed, NDArray positions, NormWeights finalNorm, Linear lmHead,
                           List<LayerWeights> layers, Map<String, NDArray> parameters) {
        this.spec = spec;
        this.embed = embed;
        this.positions = positions;
        this.finalNorm = finalNorm;
        this.lmHead = lmHead;
        this.layers = layers;
        this.parameters = parameters;
    }

    /** Detects the checkpoint's name prefix and loads every tensor the spec needs onto {@code manager}. */
    static DecoderWeights load(DecoderSpec spec, TensorSource source, NDManager manager) {
        TensorNames names = withDetectedPrefix(spec.names(), source);
        Loader l = new Loader(spec, source, manager);
        int h = spec.hidden();
        NDArray embed = l.tensor(names.embedModule() + ".weight", spec.vocabSize(), h);
        NDArray pos = names.positionsModule().map(p -> l.tensor(p + ".weight", spec.maxPositions(), h)).orElse(null);
        NormWeights finalNorm = l.norm(names.finalNormModule(), h);
        Linear lmHead;
        String head = names.lmHead() + ".weight";
        if (source.names().contains(head)) {
            lmHead = new Linear(names.lmHead(), l.tensor(head, spec.vocabSize(), h), null, false);
        } else if (spec.tiedEmbeddings()) {
            lmHead = new Linear(names.lmHead(), embed, null, false); // tied: the embedding matrix is the output projection
        } else {
            throw new ModelLoadException(source.location(), "tensor '" + head + "' is missing and config.json sets "
                    + "tie_word_embeddings to false; the checkpoint is incomplete");
        }
        List<LayerWeights> layers = new ArrayList<>();
        for (int i = 0; i < spec.layers(); i++) {
            layers.add(l.layer(names, i));
        }
        l.refuseUnusedLayerTensors(names);
        return new DecoderWeights(spec, embed, pos, finalNorm, lmHead, List.copyOf(layers),
                Collections.unmodifiableMap(l.loaded));
    }

    private static TensorNames withDetectedPrefix(TensorNames names, TensorSource source) {
        List<String> prefixes = List.of(names.prefix(), "", "model.language_model.", "language_model.model.",
                "model.");
        for (String p : prefixes) {
            if (source.names().contains(p + names.embed() + ".weight")) {
                return names.withPrefix(p);
            }
        }
        throw new ModelLoadException(source.location(), "no token embedding found: expected a tensor named '"
                + names.prefix() + names.embed() + ".weight' (or with the prefix "
                + prefixes.stream().filter(p -> !p.equals(names.prefix())).toList()
                + "); the checkpoint does not hold the " + "architecture config.json declares");
    }

    DecoderSpec spec() {
        return spec;
    }

    NDArray embed() {
        return embed;
    }

    /** Learned position embeddings (GPT-2), or {@code null}. */
    NDArray positions() {
        return positions;
    }

    NormWeights finalNorm() {
        return finalNorm;
    }

    Linear lmHead() {
        return lmHead;
    }

    LayerWeights layer(int i) {
        return layers.get(i);
    }

    /**
     * Every loaded weight by its Hugging Face tensor name, exactly as stored (GPT-2's Conv1D matrices
     * as {@code [in, out]}; Gemma's norm weights before {@code 1 + w}), in load order. These are the
     * arrays the forward pass reads, so gradients with respect to them are the checkpoint's.
     */
    Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Loads tensors, checking names and shapes, and remembers what it loaded. */
    private static final class Loader {
        private final DecoderSpec spec;
        private final TensorSource source;
        private final NDManager manager;
        private final Map<String, NDArray> loaded = new LinkedHashMap<>();

        Loader(DecoderSpec spec, TensorSource source, NDManager manager) {
            this.spec = spec;
            this.source = source;
            this.manager = manager;
        }

        NDArray tensor(String name, long... shape) {
            long[] actual = source.shape(name).orElseThrow(() -> new ModelLoadException(source.location(), "tensor '"
                    + name + "' is missing; config.json declares " + spec.modelType() + " with " + spec.layers()
                    + " layers, which needs it"));
            if (!Arrays.equals(actual, shape)) {
                throw new ModelLoadException(source.location(), "tensor '" + name + "' has shape "
                        + Arrays.toString(actual) + " but config.json implies " + Arrays.toString(shape) + " ("
                        + spec.modelType() + ": vocab_size " + spec.vocabSize() + ", hidden " + spec.hidden()
                        + ", heads " + spec.heads() + "/" + spec.kvHeads() + " of " + spec.headDim() + ", intermediate "
                        + spec.mlp().intermediate() + "); the config does not belong to these weights");
            }
            NDArray a = source.loadFloat32(name, manager);
            loaded.put(name, a);
            return a;
        }

        NormWeights norm(String module, long width) {
            Norm n = spec.norm();
            NDArray w = tensor(module + ".weight", width);
            NDArray b = n.kind() == Norm.Kind.LAYER ? tensor(module + ".bias", width) : null;
            return new NormWeights(w, b, n.plusOne());
        }

        Linear linear(String module, long out, long in, boolean bias) {
            NDArray w = tensor(module + ".weight", out, in);
            NDArray b = bias ? tensor(module + ".bias", out) : null;
            return new Linear(module, w, b, false);
        }

        /** A GPT-2 Conv1D, stored {@code [in, out]}. */
        Linear conv1d(String module, long in, long out) {
            NDArray w = tensor(module + ".weight", in, out);
            NDArray b = tensor(module + ".bias", out);
            return new Linear(module, w, b, true);
        }

        LayerWeights layer(TensorNames names, int i) {
            Map<Role, Linear> lin = new EnumMap<>(Role.class);
            Map<Role, NormWeights> norms = new EnumMap<>(Role.class);
            int h = spec.hidden();
            long q = (long) spec.heads() * spec.headDim();
            long kv = (long) spec.kvHeads() * spec.headDim();
            DecoderSpec.Attention a = spec.attention();
            for (Role r : new Role[] {Role.PRE_ATTENTION_NORM, Role.POST_ATTENTION_NORM, Role.PRE_MLP_NORM,
                    Role.POST_MLP_NORM}) {
                if (names.has(r)) {
                    norms.put(r, norm(names.module(i, r), h));
                }
            }
            switch (a.projections()) {
                case SEPARATE -> {
                    lin.put(Role.Q, linear(names.module(i, Role.Q), q, h, a.qkvBias()));
                    lin.put(Role.K, linear(names.module(i, Role.K), kv, h, a.qkvBias()));
                    lin.put(Role.V, linear(names.module(i, Role.V), kv, h, a.qkvBias()));
                    lin.put(Role.O, linear(names.module(i, Role.O), h, q, a.outputBias()));
                }
                case FUSED -> {
                    lin.put(Role.QKV, linear(names.module(i, Role.QKV), q + 2 * kv, h, a.qkvBias()));
                    lin.put(Role.O, linear(names.module(i, Role.O), h, q, a.outputBias()));
                }
                case CONV1D_FUSED -> {
                    lin.put(Role.QKV, conv1d(names.module(i, Role.QKV), h, q + 2 * kv));
                    lin.put(Role.O, conv1d(names.module(i, Role.O), q, h));
                }
                default -> throw new IllegalStateException(a.projections().toString());
            }
            if (a.qkNorm() == QkNorm.PER_HEAD) {
                norms.put(Role.Q_NORM, norm(names.module(i, Role.Q_NORM), spec.headDim()));
                norms.put(Role.K_NORM, norm(names.module(i, Role.K_NORM), spec.headDim()));
            } else if (a.qkNorm() == QkNorm.WHOLE) {
                norms.put(Role.Q_NORM, norm(names.module(i, Role.Q_NORM), q));
                norms.put(Role.K_NORM, norm(names.module(i, Role.K_NORM), kv));
            }
            Mlp m = spec.mlp();
            int f = m.intermediate();
            switch (m.kind()) {
                case GATED -> {
                    lin.put(Role.GATE, linear(names.module(i, Role.GATE), f, h, m.bias()));
                    lin.put(Role.UP, linear(names.module(i, Role.UP), f, h, m.bias()));
                    lin.put(Role.DOWN, linear(names.module(i, Role.DOWN), h, f, m.bias()));
                }
                case FUSED_GATED -> {
                    lin.put(Role.GATE_UP, linear(names.module(i, Role.GATE_UP), 2L * f, h, m.bias()));
                    lin.put(Role.DOWN, linear(names.module(i, Role.DOWN), h, f, m.bias()));
                }
                case PLAIN_CONV1D -> {
                    lin.put(Role.FC_IN, conv1d(names.module(i, Role.FC_IN), h, f));
                    lin.put(Role.FC_OUT, conv1d(names.module(i, Role.FC_OUT), f, h));
                }
                default -> throw new IllegalStateException(m.kind().toString());
            }
            return new LayerWeights(lin, norms);
        }

        /** Tensors inside the layer list that the spec does not use mean the config does not describe these weights. */
        void refuseUnusedLayerTensors(TensorNames names) {
            String layerPrefix = names.prefix() + names.layers() + ".";
            Set<String> unused = new TreeSet<>();
            for (String n : source.names()) {
                if (n.startsWith(layerPrefix) && !loaded.containsKey(n) && !IGNORABLE.matcher(n).matches()) {
                    unused.add(n);
                }
            }
            if (!unused.isEmpty()) {
                throw new ModelLoadException(source.location(), unused.size() + " tensor(s) inside the layers are not "
                        + "part of a " + spec.modelType() + " decoder as config.json describes it, e.g. "
                        + unused.stream().limit(3).toList() + "; the checkpoint holds another architecture "
                        + "(mixture-of-experts or a different family?) than config.json declares");
            }
        }
    }
}
