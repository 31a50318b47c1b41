package dev.retention.model;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Hugging Face module names of one family ({@code model.layers.3.self_attn.q_proj}); a tensor is
 * the module name plus {@code .weight} or {@code .bias}. Adapters and weight diagnostics use the
 * same names, so everything Retention reports about a weight names it as the checkpoint does.
 *
 * @param prefix the checkpoint's prefix of the base model ({@code model.}, {@code transformer.},
 *     {@code model.language_model.} or empty), detected from the tensors present
 * @param embed token embedding module, relative to the prefix
 * @param positions learned position embedding module (GPT-2), relative to the prefix
 * @param finalNorm the norm after the last layer, relative to the prefix
 * @param lmHead the output projection (absolute; absent from tied checkpoints)
 * @param layers the layer list, relative to the prefix ({@code layers} or GPT-2's {@code h})
 * @param modules each layer's modules by role, relative to the layer
 */
record TensorNames(String prefix, String embed, Optional<String> positions, String finalNorm, String lmHead,
                   String layers, Map<Role, String> modules) {

    /** What a module does inside a layer. */
    enum Role {
        Q, K, V, QKV, O, Q_NORM, K_NORM, PRE_ATTENTION_NORM, POST_ATTENTION_NORM, PRE_MLP_NORM, POST_MLP_NORM,
        GATE, UP, GATE_UP, DOWN, FC_IN, FC_OUT
    }

    TensorNames {
        modules = Map.copyOf(new EnumMap<>(modules));
    }

    /** The same names under another prefix. */
    TensorNames withPrefix(String p) {
        return new TensorNames(p, embed, positions, finalNorm, lmHead, layers, modules);
    }

    String embedModule() {
        return prefix + embed;
    }

    Optional<String> positionsModule() {
        return positions.map(p -> prefix + p);
    }

    String finalNormModule() {
        return prefix + finalNorm;
    }

    /** The module of {@code role} in layer {@code i}, e.g. {@code model.layers.3.self_attn.q_proj}. */
    String module(int i, Role role) {
        String m = modules.get(role);
        if (m == null) {
            throw new IllegalStateException("no " + role + " module in this family");
        }
        return prefix + layers + "." + i + "." + m;
    }

    boolean has(Role role) {
        return modules.containsKey(role);
    }
}
