package dev.retention.model;

import dev.retention.model.DecoderSpec.Activation;
import dev.retention.model.DecoderSpec.Attention;
import dev.retention.model.DecoderSpec.Attention.Projections;
import dev.retention.model.DecoderSpec.Attention.QkNorm;
import dev.retention.model.DecoderSpec.Layer;
import dev.retention.model.DecoderSpec.LayerType;
import dev.retention.model.DecoderSpec.Mlp;
import dev.retention.model.DecoderSpec.Norm;
import dev.retention.model.DecoderSpec.Positions;
import dev.retention.model.TensorNames.Role;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * The decoder families Retention runs natively, each resolved from {@code config.json} into a
 * {@link DecoderSpec} with the defaults of its transformers configuration class (5.x) for keys a
 * config leaves out. Keys that decide the architecture and have no safe default (sizes, the RoPE
 * base) must be present. Everything else is refused by name: unknown {@code model_type}s,
 * mixture-of-experts, linear-attention and hybrid models, quantized checkpoints.
 */
final class Families {

    /** The decoder-only families that differ only in their defaults and blocks, by {@code model_type}. */
    private static final Map<String, Defaults> LLAMA_LIKE = Map.of("llama", Defaults.LLAMA,
            "mistral", Defaults.MISTRAL, "qwen2", Defaults.QWEN2, "qwen3", Defaults.QWEN3,
            "granite", Defaults.GRANITE, "olmo2", Defaults.OLMO2, "phi3", Defaults.PHI3,
            "gemma2", Defaults.GEMMA2, "gemma3_text", Defaults.GEMMA3);

    /** The {@code model_type}s Retention implements, as listed in messages. */
    static final Set<String> SUPPORTED = supported();

    private static final Map<String, String> KNOWN_UNSUPPORTED = Map.ofEntries(
            Map.entry("mixtral", "a mixture-of-experts model"),
            Map.entry("qwen2_moe", "a mixture-of-experts model"),
            Map.entry("qwen3_moe", "a mixture-of-experts model"),
            Map.entry("olmoe", "a mixture-of-experts model"),
            Map.entry("granitemoe", "a mixture-of-experts model"),
            Map.entry("granitemoeshared", "a mixture-of-experts model"),
            Map.entry("deepseek_v2", "a mixture-of-experts model"),
            Map.entry("deepseek_v3", "a mixture-of-experts model"),
            Map.entry("gpt_oss", "a mixture-of-experts model"),
            Map.entry("llama4", "a mixture-of-experts model"),
            Map.entry("granitemoehybrid", "a hybrid model with Mamba layers"),
            Map.entry("jamba", "a hybrid model with Mamba layers"),
            Map.entry("bamba", "a hybrid model with Mamba layers"),
            Map.entry("falcon_h1", "a hybrid model with Mamba layers"),
            Map.entry("mamba", "a state-space model, not attention"),
            Map.entry("mamba2", "a state-space model, not attention"),
            Map.entry("qwen3_next", "a model with linear-attention layers"),
            Map.entry("qwen3_5", "a model with linear-attention layers"),
            Map.entry("gemma3n", "a model with shared key/value layers"),
            Map.entry("gemma4", "a model with shared key/value layers"),
            Map.entry("smollm3", "a model without RoPE on some layers (not implemented yet)"));

    private Families() {
    }

    private static Set<String> supported() {
        Set<String> all = new TreeSet<>(LLAMA_LIKE.keySet());
        all.add("gemma3"); // the text model of a multimodal config
        all.add("gpt2");
        return Collections.unmodifiableSet(all);
    }

    /** Resolves {@code config} into the blocks of its family, or refuses it naming the key at fault. */
    static DecoderSpec resolve(HfConfig config) {
        String type = config.requireString("model_type");
        if (config.has("quantization_config")) {
            throw config.refuse("quantization_config", "is present: this is a quantized checkpoint ("
                    + config.nested("quantization_config").flatMap(q -> q.string("quant_method")).orElse("unknown method")
                    + "), which Retention does not run; point it at the float16, bfloat16 or float32 model instead");
        }
        String reason = KNOWN_UNSUPPORTED.get(type);
        if (reason != null) {
            throw config.refuse("model_type", "is '" + type + "', " + reason + ", which Retention does not run natively; "
                    + "supported: " + SUPPORTED + " (or score it on a serving engine)");
        }
        Defaults defaults = LLAMA_LIKE.get(type);
        if (defaults != null) {
            return llamaLike(config, type, defaults);
        }
        switch (type) {
            case "gemma3": {
                HfConfig text = config.nested("text_config").orElseThrow(() -> config.refuse("text_config",
                        "is missing; a gemma3 (multimodal) config keeps the language model's settings there"));
                return llamaLike(text, "gemma3", Defaults.GEMMA3);
            }
            case "gpt2":
                return gpt2(config);
            default:
                throw config.refuse("model_type", "is '" + type + "', which Retention does not run natively; supported: "
                        + SUPPORTED + " (or score it on a serving engine)");
        }
    }

    /** Class defaults of transformers 5.x for the keys Retention reads, and each family's blocks. */
    private enum Defaults {
        LLAMA(-1, 0, 1e-6, "silu", false, 2048),
        MISTRAL(8, 0, 1e-6, "silu", false, 131_072),
        QWEN2(32, 0, 1e-6, "silu", false, 32_768),
        QWEN3(32, 128, 1e-6, "silu", false, 32_768),
        GRANITE(-1, 0, 1e-6, "silu", false, 2048),
        OLMO2(-1, 0, 1e-5, "silu", false, 2048),
        PHI3(-1, 0, 1e-5, "silu", false, 4096),
        GEMMA2(4, 256, 1e-6, "gelu_pytorch_tanh", true, 8192),
        GEMMA3(4, 256, 1e-6, "gelu_pytorch_tanh", true, 131_072);

        final int kvHeads; // -1: same as heads
        final int headDim; // 0: hidden / heads
        final double eps;
        final String act;
        final boolean tied;
        final int maxPositions;
        final double localTheta; // only Gemma 3 (rope_local_base_freq default is 10_000)

        Defaults(int kvHeads, int headDim, double eps, String act, boolean tied, int maxPositions) {
            this.kvHeads = kvHeads;
            this.headDim = headDim;
            this.eps = eps;
            this.act = act;
            this.tied = tied;
            this.maxPositions = maxPositions;
            this.localTheta = 10_000;
        }

        boolean gemma() {
            return this == GEMMA2 || this == GEMMA3;
        }
    }

    private static DecoderSpec llamaLike(HfConfig c, String type, Defaults d) {
        int vocab = c.requireInt("vocab_size");
        int hidden = c.requireInt("hidden_size");
        int layers = c.requireInt("num_hidden_layers");
        int heads = c.requireInt("num_attention_heads");
        int kvHeads = c.intOr("num_key_value_heads", d.kvHeads < 0 ? heads : d.kvHeads);
        int headDim = c.intOr("head_dim", d.headDim == 0 ? hidden / heads : d.headDim);
        int intermediate = c.requireInt("intermediate_size");
        int maxPositions = c.intOr("max_position_embeddings", d.maxPositions);
        checkHeads(c, heads, kvHeads, headDim);
        double eps = c.doubleOr("rms_norm_eps", d.eps);
        String actKey = d.gemma() ? "hidden_activation" : "hidden_act";
        Activation act = activation(c, actKey, c.string(actKey).orElse(d.gemma() && c.has("hidden_act")
                ? c.requireString("hidden_act") : d.act));
        boolean tied = c.boolOr("tie_word_embeddings", d.tied);

        boolean attentionBias = c.boolOr("attention_bias", false);
        boolean qkvBias = d == Defaults.QWEN2 || attentionBias;
        boolean outputBias = d != Defaults.QWEN2 && attentionBias;
        boolean mlpBias = (d == Defaults.LLAMA || d == Defaults.GRANITE) && c.boolOr("mlp_bias", false);

        QkNorm qkNorm = switch (d) {
            case QWEN3, GEMMA3 -> QkNorm.PER_HEAD;
            case OLMO2 -> QkNorm.WHOLE;
            default -> QkNorm.NONE;
        };
        double scale = switch (d) {
            case GEMMA2, GEMMA3 -> Math.pow(c.doubleOr("query_pre_attn_scalar", 256), -0.5);
            case GRANITE -> c.doubleOr("attention_multiplier", 1.0);
            default -> Math.pow(headDim, -0.5);
        };
        OptionalDouble softcap = d.gemma() ? optionalPositive(c, "attn_logit_softcapping",
                d == Defaults.GEMMA2 ? OptionalDouble.of(50.0) : OptionalDouble.empty()) : OptionalDouble.empty();
        OptionalDouble finalSoftcap = d.gemma() ? optionalPositive(c, "final_logit_softcapping",
                d == Defaults.GEMMA2 ? OptionalDouble.of(30.0) : OptionalDouble.empty()) : OptionalDouble.empty();
        if (d == Defaults.GEMMA3 && c.boolOr("use_bidirectional_attention", false)) {
            throw c.refuse("use_bidirectional_attention", "is true: bidirectional (encoder) attention is not a causal LM");
        }

        Projections projections = d == Defaults.PHI3 ? Projections.FUSED : Projections.SEPARATE;
        Mlp.Kind mlpKind = d == Defaults.PHI3 ? Mlp.Kind.FUSED_GATED : Mlp.Kind.GATED;
        Layer layer = switch (d) {
            case GEMMA2, GEMMA3 -> new Layer(true, true, true, true, 1.0);
            case OLMO2 -> new Layer(false, true, false, true, 1.0);
            case GRANITE -> new Layer(true, false, true, false, c.doubleOr("residual_multiplier", 1.0));
            default -> new Layer(true, false, true, false, 1.0);
        };
        double embeddingScale = switch (d) {
            // transformers keeps sqrt(hidden) as a float32 buffer: the product uses the float32 value
            case GEMMA2, GEMMA3 -> (float) Math.sqrt(hidden);
            case GRANITE -> c.doubleOr("embedding_multiplier", 1.0);
            default -> 1.0;
        };
        double logitsDivisor = d == Defaults.GRANITE ? c.doubleOr("logits_scaling", 1.0) : 1.0;

        List<LayerType> layerTypes = layerTypes(c, d, layers);
        OptionalInt window = slidingWindow(c, d, layerTypes);
        if (window.isEmpty()) {
            layerTypes = layerTypes.stream().map(t -> LayerType.FULL).toList();
        }
        Map<LayerType, Rope> rope = ropes(c, d, headDim, maxPositions);

        TensorNames names = llamaNames(d);
        return new DecoderSpec(type, vocab, hidden, layers, heads, kvHeads, headDim, maxPositions,
                new Norm(Norm.Kind.RMS, eps, d.gemma()), layer,
                new Attention(projections, qkvBias, outputBias, qkNorm, scale, softcap),
                new Mlp(mlpKind, intermediate, act, mlpBias), new Positions(false, rope), layerTypes, window,
                embeddingScale, logitsDivisor, finalSoftcap, tied, names);
    }

    private static DecoderSpec gpt2(HfConfig c) {
        int vocab = c.requireInt("vocab_size");
        int hidden = c.requireInt("n_embd", "hidden_size");
        int layers = c.requireInt("n_layer", "num_hidden_layers");
        int heads = c.requireInt("n_head", "num_attention_heads");
        if (hidden % heads != 0) {
            throw c.refuse("n_head", "(" + heads + ") does not divide n_embd (" + hidden + ")");
        }
        int headDim = hidden / heads;
        int inner = c.integer("n_inner").orElse(4 * hidden);
        int maxPositions = c.requireInt("n_positions", "max_position_embeddings");
        double eps = c.doubleOr("layer_norm_epsilon", 1e-5);
        Activation act = activation(c, "activation_function", c.string("activation_function").orElse("gelu_new"));
        if (c.boolOr("add_cross_attention", false)) {
            throw c.refuse("add_cross_attention", "is true: a GPT-2 with cross-attention is not a plain causal LM");
        }
        if (c.boolOr("scale_attn_by_inverse_layer_idx", false)) {
            throw c.refuse("scale_attn_by_inverse_layer_idx", "is true, which Retention does not implement yet");
        }
        double scale = c.boolOr("scale_attn_weights", true) ? Math.pow(headDim, -0.5) : 1.0;
        Map<Role, String> m = new EnumMap<>(Role.class);
        m.put(Role.PRE_ATTENTION_NORM, "ln_1");
        m.put(Role.QKV, "attn.c_attn");
        m.put(Role.O, "attn.c_proj");
        m.put(Role.PRE_MLP_NORM, "ln_2");
        m.put(Role.FC_IN, "mlp.c_fc");
        m.put(Role.FC_OUT, "mlp.c_proj");
        TensorNames names = new TensorNames("transformer.", "wte", Optional.of("wpe"), "ln_f", "lm_head", "h", m);
        List<LayerType> types = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            types.add(LayerType.FULL);
        }
        return new DecoderSpec("gpt2", vocab, hidden, layers, heads, heads, headDim, maxPositions,
                new Norm(Norm.Kind.LAYER, eps, false), new Layer(true, false, true, false, 1.0),
                new Attention(Projections.CONV1D_FUSED, true, true, QkNorm.NONE, scale, OptionalDouble.empty()),
                new Mlp(Mlp.Kind.PLAIN_CONV1D, inner, act, true), new Positions(true, Map.of()), types,
                OptionalInt.empty(), 1.0, 1.0, OptionalDouble.empty(), c.boolOr("tie_word_embeddings", true), names);
    }

    private static TensorNames llamaNames(Defaults d) {
        Map<Role, String> m = new EnumMap<>(Role.class);
        if (d == Defaults.PHI3) {
            m.put(Role.QKV, "self_attn.qkv_proj");
            m.put(Role.GATE_UP, "mlp.gate_up_proj");
        } else {
            m.put(Role.Q, "self_attn.q_proj");
            m.put(Role.K, "self_attn.k_proj");
            m.put(Role.V, "self_attn.v_proj");
            m.put(Role.GATE, "mlp.gate_proj");
            m.put(Role.UP, "mlp.up_proj");
        }
        m.put(Role.O, "self_attn.o_proj");
        m.put(Role.DOWN, "mlp.down_proj");
        if (d == Defaults.QWEN3 || d == Defaults.GEMMA3 || d == Defaults.OLMO2) {
            m.put(Role.Q_NORM, "self_attn.q_norm");
            m.put(Role.K_NORM, "self_attn.k_norm");
        }
        switch (d) {
            case GEMMA2, GEMMA3 -> {
                m.put(Role.PRE_ATTENTION_NORM, "input_layernorm");
                m.put(Role.POST_ATTENTION_NORM, "post_attention_layernorm");
                m.put(Role.PRE_MLP_NORM, "pre_feedforward_layernorm");
                m.put(Role.POST_MLP_NORM, "post_feedforward_layernorm");
            }
            case OLMO2 -> {
                m.put(Role.POST_ATTENTION_NORM, "post_attention_layernorm");
                m.put(Role.POST_MLP_NORM, "post_feedforward_layernorm");
            }
            default -> {
                m.put(Role.PRE_ATTENTION_NORM, "input_layernorm");
                m.put(Role.PRE_MLP_NORM, "post_attention_layernorm");
            }
        }
        return new TensorNames("model.", "embed_tokens", Optional.empty(), "norm", "lm_head", "layers", m);
    }

    private static void checkHeads(HfConfig c, int heads, int kvHeads, int headDim) {
        if (heads <= 0 || kvHeads <= 0 || headDim <= 0) {
            throw c.refuse("num_attention_heads", "gives " + heads + " heads, " + kvHeads + " key/value heads of width "
                    + headDim + "; all must be positive");
        }
        if (heads % kvHeads != 0) {
            throw c.refuse("num_key_value_heads", "(" + kvHeads + ") does not divide num_attention_heads (" + heads + ")");
        }
    }

    private static Activation activation(HfConfig c, String key, String name) {
        switch (name) {
            case "silu":
            case "swish":
                return Activation.SILU;
            case "gelu_pytorch_tanh":
            case "gelu_new":
                return Activation.GELU_TANH;
            case "gelu":
                return Activation.GELU;
            default:
                throw c.refuse(key, "is '" + name + "', an activation Retention does not implement "
                        + "(silu, gelu, gelu_new, gelu_pytorch_tanh)");
        }
    }

    private static OptionalDouble optionalPositive(HfConfig c, String key, OptionalDouble dflt) {
        if (!c.has(key)) {
            return c.isExplicitNull(key) ? OptionalDouble.empty() : dflt;
        }
        double v = c.number(key).getAsDouble();
        if (v <= 0) {
            throw c.refuse(key, "is " + v + "; a soft cap must be positive (or null for none)");
        }
        return OptionalDouble.of(v);
    }

    private static List<LayerType> layerTypes(HfConfig c, Defaults d, int layers) {
        Optional<List<String>> explicit = c.strings("layer_types");
        List<LayerType> out = new ArrayList<>(layers);
        if (explicit.isPresent()) {
            List<String> names = explicit.get();
            if (names.size() != layers) {
                throw c.refuse("layer_types", "lists " + names.size() + " layers but num_hidden_layers is " + layers);
            }
            for (String n : names) {
                switch (n) {
                    case "full_attention" -> out.add(LayerType.FULL);
                    case "sliding_attention" -> out.add(LayerType.SLIDING);
                    default -> throw c.refuse("layer_types", "holds '" + n + "'; Retention runs full_attention and "
                            + "sliding_attention layers only (linear attention, Mamba and other layer kinds are refused)");
                }
            }
            return out;
        }
        for (int i = 0; i < layers; i++) {
            LayerType t = switch (d) {
                case MISTRAL, PHI3 -> LayerType.SLIDING; // window (if any) on every layer
                case QWEN2, QWEN3 -> c.boolOr("use_sliding_window", false) && i >= c.intOr("max_window_layers", 28)
                        ? LayerType.SLIDING : LayerType.FULL;
                case GEMMA2 -> (i + 1) % 2 != 0 ? LayerType.SLIDING : LayerType.FULL;
                case GEMMA3 -> (i + 1) % c.intOr("sliding_window_pattern", 6) != 0 ? LayerType.SLIDING : LayerType.FULL;
                default -> LayerType.FULL;
            };
            out.add(t);
        }
        return out;
    }

    private static OptionalInt slidingWindow(HfConfig c, Defaults d, List<LayerType> types) {
        if (!types.contains(LayerType.SLIDING)) {
            return OptionalInt.empty();
        }
        if ((d == Defaults.QWEN2 || d == Defaults.QWEN3) && !c.boolOr("use_sliding_window", false)) {
            return OptionalInt.empty();
        }
        OptionalInt w = c.integer("sliding_window");
        if (w.isEmpty()) {
            // absent: the class default (4096) for mistral, qwen and gemma; phi3 defaults to none; null: none
            boolean hasDefault = d != Defaults.PHI3 && !c.isExplicitNull("sliding_window");
            return hasDefault ? OptionalInt.of(4096) : OptionalInt.empty();
        }
        if (w.getAsInt() < 1) {
            throw c.refuse("sliding_window", "is " + w.getAsInt() + "; expected a positive window or null");
        }
        return w;
    }

    /** RoPE per layer type, from v5 {@code rope_parameters} (flat or per layer type) or v4 {@code rope_scaling} + {@code rope_theta}. */
    private static Map<LayerType, Rope> ropes(HfConfig c, Defaults d, int headDim, int maxPositions) {
        Map<LayerType, Rope> out = new EnumMap<>(LayerType.class);
        Optional<HfConfig> params = c.nested("rope_parameters");
        boolean nested = params.isPresent()
                && (params.get().has("full_attention") || params.get().has("sliding_attention"));
        for (LayerType t : LayerType.values()) {
            String layerKey = t == LayerType.FULL ? "full_attention" : "sliding_attention";
            Optional<HfConfig> p;
            OptionalDouble theta;
            if (nested) {
                p = params.get().nested(layerKey);
                if (p.isEmpty()) {
                    continue;
                }
                theta = p.get().number("rope_theta");
            } else if (params.isPresent()) {
                p = params;
                theta = p.get().number("rope_theta").isPresent() ? p.get().number("rope_theta") : c.number("rope_theta");
            } else {
                p = c.nested("rope_scaling");
                theta = c.number("rope_theta");
                if (d == Defaults.GEMMA3 && t == LayerType.SLIDING) {
                    // transformers 4.x Gemma 3: local layers use rope_local_base_freq and no scaling
                    theta = OptionalDouble.of(c.doubleOr("rope_local_base_freq", d.localTheta));
                    p = Optional.empty();
                }
            }
            if (theta.isEmpty()) {
                throw c.refuse(nested ? "rope_parameters." + layerKey + ".rope_theta" : "rope_theta",
                        "is missing (neither rope_parameters.rope_theta nor rope_theta is set); Retention does not "
                                + "assume a RoPE base, as a wrong one gives a wrong model without any error");
            }
            double partial = p.flatMap(x -> x.number("partial_rotary_factor").isPresent()
                    ? Optional.of(x.number("partial_rotary_factor").getAsDouble()) : Optional.empty())
                    .orElse(c.doubleOr("partial_rotary_factor", 1.0));
            int dim = (int) (headDim * partial);
            if (dim % 2 != 0 || dim <= 0 || dim > headDim) {
                throw c.refuse("partial_rotary_factor", "gives " + dim + " rotary dimensions of a head of " + headDim
                        + "; expected an even number between 2 and the head width");
            }
            out.put(t, rope(c, p, theta.getAsDouble(), dim, maxPositions));
        }
        return out;
    }

    private static Rope rope(HfConfig c, Optional<HfConfig> params, double theta, int dim, int maxPositions) {
        if (params.isEmpty()) {
            return Rope.plain(theta, dim);
        }
        HfConfig p = params.get();
        String type = p.string("rope_type").or(() -> p.string("type")).orElse("default").toLowerCase(Locale.ROOT);
        int original = c.integer("original_max_position_embeddings").isPresent()
                ? c.integer("original_max_position_embeddings").getAsInt()
                : p.intOr("original_max_position_embeddings", maxPositions);
        switch (type) {
            case "default":
                return Rope.plain(theta, dim);
            case "linear":
                return Rope.linear(theta, dim, factor(p));
            case "dynamic":
                return Rope.dynamic(theta, dim, factor(p), maxPositions);
            case "llama3":
                return Rope.llama3(theta, dim, factor(p), required(p, "low_freq_factor"), required(p, "high_freq_factor"),
                        p.integer("original_max_position_embeddings").orElseThrow(() -> p.refuse(
                                "original_max_position_embeddings", "is missing; llama3 RoPE scaling needs it")));
            case "yarn": {
                double factor = p.number("factor").isPresent() ? p.number("factor").getAsDouble()
                        : (double) maxPositions / original;
                OptionalDouble attention = p.number("attention_factor");
                double af;
                if (attention.isPresent()) {
                    af = attention.getAsDouble();
                } else {
                    OptionalDouble ms = p.number("mscale");
                    OptionalDouble msAll = p.number("mscale_all_dim");
                    af = ms.isPresent() && msAll.isPresent() && ms.getAsDouble() != 0 && msAll.getAsDouble() != 0
                            ? mscale(factor, ms.getAsDouble()) / mscale(factor, msAll.getAsDouble())
                            : mscale(factor, 1);
                }
                double fast = p.doubleOr("beta_fast", 0);
                double slow = p.doubleOr("beta_slow", 0);
                return Rope.yarn(theta, dim, factor, original, af, fast == 0 ? 32 : fast, slow == 0 ? 1 : slow,
                        p.boolOr("truncate", true));
            }
            case "longrope":
            case "su": {
                double[] shortF = p.numbers("short_factor").orElseThrow(() -> p.refuse("short_factor", "is missing"));
                double[] longF = p.numbers("long_factor").orElseThrow(() -> p.refuse("long_factor", "is missing"));
                if (shortF.length != dim / 2 || longF.length != dim / 2) {
                    throw p.refuse("short_factor", "and long_factor must list " + dim / 2 + " values (half the rotary "
                            + "dimensions); they list " + shortF.length + " and " + longF.length);
                }
                double factor = p.number("factor").isPresent() ? p.number("factor").getAsDouble()
                        : (double) maxPositions / original;
                double af = p.number("attention_factor").isPresent() ? p.number("attention_factor").getAsDouble()
                        : factor <= 1.0 ? 1.0 : Math.sqrt(1 + Math.log(factor) / Math.log(original));
                return Rope.longrope(theta, dim, original, af, shortF, longF);
            }
            default:
                throw p.refuse("rope_type", "is '" + type + "', a RoPE scaling Retention does not implement "
                        + "(default, linear, dynamic, llama3, yarn, longrope)");
        }
    }

    private static double mscale(double scale, double m) {
        return scale <= 1 ? 1.0 : 0.1 * m * Math.log(scale) + 1.0;
    }

    private static double factor(HfConfig p) {
        double f = required(p, "factor");
        if (f < 1) {
            throw p.refuse("factor", "is " + f + "; a RoPE scaling factor is at least 1");
        }
        return f;
    }

    private static double required(HfConfig p, String key) {
        return p.number(key).orElseThrow(() -> p.refuse(key, "is missing; this RoPE scaling type needs it"));
    }
}
