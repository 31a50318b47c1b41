package dev.retention.model.internal;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * A served model's greedy completion, one per prompt of {@code CausalLm.generateServed}. The token
 * array is kept as given, not copied.
 *
 * @param tokens generated ids (EOS excluded; the engine includes the token that completed a stop string)
 * @param text the text of {@code tokens} by the local tokenizer, as the local decoding loop writes it
 *     (stop strings not yet cut). The engine's own text is not used: it holds back the bytes of an
 *     incomplete UTF-8 character at the end (vLLM detokenizes incrementally) where the local decoding
 *     shows U+FFFD, so an exact-match check could pass on the engine and fail locally; the self-check
 *     has shown that the engine's text is this one otherwise
 * @param eos whether the model produced EOS
 * @param budgetSpent whether the token budget ended it
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public record ServedGeneration(int[] tokens, String text, boolean eos, boolean budgetSpent) {
}
