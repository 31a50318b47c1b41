package dev.retention.model.internal;

import org.apiguardian.api.API;

import java.util.OptionalInt;
import java.util.Set;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Special token ids read from a model directory's tokenizer files (never assumed).
 *
 * @param bos beginning-of-sequence id, if declared
 * @param eos end-of-sequence ids (some models declare several); generation stops at any of them. Kept as
 *     an unmodifiable copy, which does not keep the given iteration order; may be empty
 * @param pad padding id, if declared; padded positions are always masked, so any id works
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record SpecialTokens(OptionalInt bos, Set<Integer> eos, OptionalInt pad) {

    /**
     * Copies {@code eos} into an unmodifiable set; {@code bos} and {@code pad} are kept as given.
     *
     * @param bos beginning-of-sequence id, if declared
     * @param eos end-of-sequence ids; may be empty
     * @param pad padding id, if declared
     * @throws NullPointerException when {@code eos} is null or contains null
     */
    public SpecialTokens {
        eos = Set.copyOf(eos);
    }

    /**
     * The token that stands in for an empty context: BOS if the model has one, else EOS (the smallest
     * EOS id when there are several) (lm-evaluation-harness {@code prefix_token_id}).
     *
     * @return that token's id, or empty when the model declares neither BOS nor EOS
     */
    public OptionalInt prefix() {
        if (bos.isPresent()) {
            return bos;
        }
        return eos.stream().mapToInt(Integer::intValue).min();
    }

    /**
     * The id used to fill padded positions: pad, else EOS (the smallest EOS id when there are several),
     * else 0 (always masked out).
     *
     * @return the padding id; 0 when the model declares neither pad nor EOS
     */
    public int padOrDefault() {
        if (pad.isPresent()) {
            return pad.getAsInt();
        }
        return eos.stream().mapToInt(Integer::intValue).min().orElse(0);
    }

    boolean isEos(int id) {
        return eos.contains(id);
    }
}
