package dev.retention.model;

import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A decoder-only transformer described by the blocks it is composed of, resolved from a
 * {@code config.json} by {@link Families}. Every family (llama, gemma2, gpt2, ...) is a choice of
 * these blocks and constants; there is no per-family forward pass.
 *
 * @param modelType the config's {@code model_type}, for messages
 * @param vocabSize rows of the embedding and of the output projection
 * @param hidden model width
 * @param layers decoder layers
 * @param heads query heads
 * @param kvHeads key/value heads (grouped-query attention when fewer than {@code heads})
 * @param headDim width of one head
 * @param maxPositions {@code max_position_embeddings} (learned positions, dynamic RoPE)
 * @param norm the kind of every norm of the model
 * @param layer which norms surround attention and MLP, and how the residual is scaled
 * @param attention how attention is projected, normalised, scaled and capped
 * @param mlp the feed-forward block
 * @param positions learned absolute positions, or RoPE per layer type
 * @param layerTypes the attention kind of every layer
 * @param slidingWindow the window of sliding-attention layers
 * @param embeddingScale multiplies the token embeddings (Gemma: √hidden; Granite: embedding_multiplier)
 * @param logitsDivisor divides the logits (Granite: logits_scaling)
 * @param finalSoftcap {@code cap · tanh(logits / cap)} on the logits (Gemma 2)
 * @param tiedEmbeddings the output projection is the embedding matrix
 * @param names the Hugging Face tensor names of this family
 */
record DecoderSpec(String modelType, int vocabSize, int hidden, int layers, int heads, int kvHeads, int headDim,
                   int maxPositions, Norm norm, Layer layer, Attention attention, Mlp mlp, Positions positions,
                   List<LayerType> layerTypes, OptionalInt slidingWindow, double embeddingScale, double logitsDivisor,
                   OptionalDouble finalSoftcap, boolean tiedEmbeddings, TensorNames names) {

    /** The attention kind of a layer ({@code layer_types}). */
    enum LayerType {
        FULL, SLIDING
    }

    /**
     * Norms: RMSNorm ({@code x / sqrt(mean(x²) + eps) · w}, computed in float32), optionally with
     * Gemma's {@code (1 + w)}, or LayerNorm with a bias (GPT-2).
     */
    record Norm(Kind kind, double eps, boolean plusOne) {
        enum Kind {
            RMS, LAYER
        }
    }

    /**
     * The norms around each sub-layer: pre-norm (Llama: before attention and MLP), sandwich (Gemma 2/3:
     * before and after each), post-norm (OLMo 2: after each only), and Granite's residual multiplier
     * ({@code x + m · f(x)}).
     */
    record Layer(boolean preAttentionNorm, boolean postAttentionNorm, boolean preMlpNorm, boolean postMlpNorm,
                 double residualMultiplier) {
    }

    /**
     * @param projections separate q/k/v, one fused qkv matrix (Phi-3), or GPT-2's fused Conv1D
     * @param qkvBias biases on q, k and v
     * @param outputBias bias on the output projection
     * @param qkNorm RMSNorm of queries and keys: per head (Qwen3, Gemma 3) or over the whole projection (OLMo 2)
     * @param scale multiplies {@code q·kᵀ} ({@code head_dim^-0.5}, Gemma's {@code query_pre_attn_scalar^-0.5},
     *     Granite's attention_multiplier)
     * @param softcap {@code cap · tanh(scores / cap)} before the mask (Gemma 2)
     */
    record Attention(Projections projections, boolean qkvBias, boolean outputBias, QkNorm qkNorm, double scale,
                     OptionalDouble softcap) {
        enum Projections {
            SEPARATE, FUSED, CONV1D_FUSED
        }

        enum QkNorm {
            NONE, PER_HEAD, WHOLE
        }
    }

    /**
     * @param kind gated ({@code down(act(gate(x)) · up(x))}), gated with one fused gate_up matrix
     *     (Phi-3: gate is the first half), or plain ({@code fc_out(act(fc_in(x)))}, GPT-2 Conv1D)
     * @param bias biases on the MLP projections
     */
    record Mlp(Kind kind, int intermediate, Activation activation, boolean bias) {
        enum Kind {
            GATED, FUSED_GATED, PLAIN_CONV1D
        }
    }

    /** Activation functions, composed from engine ops exactly as transformers writes them. */
    enum Activation {
        /** {@code x · sigmoid(x)}. */
        SILU,
        /** tanh approximation {@code 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))} (gelu_new, gelu_pytorch_tanh). */
        GELU_TANH,
        /** exact {@code 0.5 x (1 + erf(x / √2))}. */
        GELU
    }

    /** Learned absolute positions (GPT-2), or rotary embeddings per layer type. */
    record Positions(boolean learned, Map<LayerType, Rope> rope) {
    }
}
