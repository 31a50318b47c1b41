package dev.retention.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The check a serving engine must pass before Retention scores on it: it has to agree with itself.
 *
 * <p>For each probe (a token-id prefix) the engine first decodes a few tokens greedily, reporting the
 * log-probability of each token it generates given the prefix and the tokens before it; then the
 * prefix plus those tokens is scored as a prompt (echo). A correct engine gives the same
 * log-probability for the same token after the same tokens both ways, and the token it generated is
 * the top-1 of the prompt scores. Engines are known to get the prompt side wrong without an error
 * (llama.cpp's server ignores echo, llama.cpp issue #27174; llama-cpp-python 0.3.36 returns echo
 * log-probabilities that are off by nats); both show here. The engine is refused, with both numbers
 * in the message, when a difference exceeds the per-token tolerance, when it returns no prompt
 * log-probabilities, when it reports "log-probabilities" above 0 (logits, e.g. vLLM
 * {@code --logprobs-mode raw_logits}), or when its text of the generated tokens is not what the
 * local {@code tokenizer.json} makes of them (a server tokenizer that is not the model's applies stop
 * strings to the wrong text).
 */
final class ServerSelfCheck {

    /**
     * Per-token tolerance (natural log) for a float32 server. Prompt scoring runs every position in
     * one prefill, generation one position per step against the KV cache: different matrix shapes,
     * so float32 sums may be blocked and ordered differently and results differ in the last bits.
     * Measured on vLLM CPU 0.32 (float32, 1 thread): the two paths agreed exactly (difference 0) on the
     * serving fixture and on SmolLM2-135M; the same server differs from transformers by up to 4.1e-5
     * per token on SmolLM2 (other kernels). 1e-3 leaves well over an order of magnitude above such
     * kernel differences (AVX2 vs AVX-512, GPU float32, thread counts) and is still four orders below
     * the error of a broken echo (10 nats, llama-cpp-python). A server computing in bfloat16 or
     * float16 needs {@link #HALF_PRECISION_TOLERANCE}.
     */
    static final double FLOAT32_TOLERANCE = 1e-3;

    /**
     * Per-token tolerance for a server computing in bfloat16 (or float16). bfloat16 keeps 8
     * significant bits, so a logit near 20 is rounded by up to 0.06 and prefill and decode round
     * differently. Measured on vLLM CPU 0.32 with {@code --dtype bfloat16} (SmolLM2-135M, 24 generated
     * tokens, src-test-fixtures/generator/measure_echo_consistency.py): differences up to 0.13 per
     * token. 0.25 covers that with a margin and is still 40 times below a broken echo's 10 nats;
     * float16 was not measured.
     */
    static final double HALF_PRECISION_TOLERANCE = 0.25;

    /** Greedy tokens generated per probe. */
    static final int DEFAULT_STEPS = 6;

    /** What the check compared: probes, generated tokens, the largest difference seen. */
    record Report(int probes, int comparedTokens, double maxDifference, double tolerance,
                  Optional<String> systemFingerprint) { }

    /**
     * Texts whose tokens make the default probes: plain prose, a list, code and digits, so that
     * frequent and rare tokens, spaces and punctuation are all generated and scored.
     */
    static final List<String> PROBE_TEXTS = List.of(
            "The capital of France is",
            "Monday, Tuesday, Wednesday,",
            "def add(a, b):\n    return",
            "12 plus 30 is");

    private ServerSelfCheck() {
    }

    /** The default probes: {@link #PROBE_TEXTS} through the model's own tokenizer (texts that encode to nothing are left out). */
    static List<int[]> probes(Function<String, int[]> encode) {
        List<int[]> out = new ArrayList<>();
        for (String t : PROBE_TEXTS) {
            int[] ids = encode.apply(t);
            if (ids.length > 0) {
                out.add(ids);
            }
        }
        return out;
    }

    /**
     * Runs the check with {@code probes} (each at least one token), {@code steps} greedy tokens each.
     *
     * @param localDecode the local tokenizer's decoding of generated ids (special tokens skipped), to
     *     compare with the server's text; empty to skip that comparison
     * @throws ServingEngineException naming the endpoint, the probe, the position and both numbers when the server is refused
     */
    static Report run(CompletionsClient client, List<int[]> probes, int steps, double tolerance,
                      Optional<Function<int[], String>> localDecode) {
        if (probes.isEmpty()) {
            throw new IllegalArgumentException("the self-check needs at least one probe");
        }
        if (!(tolerance > 0)) {
            throw new IllegalArgumentException("self-check tolerance must be positive, got " + tolerance);
        }
        String who = "serving engine " + client.baseUrl() + "#" + client.servedModel();
        List<Completion> generated;
        try {
            generated = client.greedy(probes, steps, List.of());
        } catch (ServingEngineException e) {
            throw new ServingEngineException(who + " is refused: it cannot decode greedily from token-id prompts "
                    + "with log-probabilities. " + e.getMessage(), e);
        }
        List<int[]> whole = new ArrayList<>(probes.size());
        for (int i = 0; i < probes.size(); i++) {
            int[] p = probes.get(i);
            int[] g = generated.get(i).tokens();
            int[] w = Arrays.copyOf(p, p.length + g.length);
            System.arraycopy(g, 0, w, p.length, g.length);
            whole.add(w);
        }
        List<PromptScores> scored;
        try {
            scored = client.promptLogprobs(whole);
        } catch (ServingEngineException e) {
            throw new ServingEngineException(who + " is refused: it cannot score prompts. " + e.getMessage(), e);
        }
        double worst = 0;
        int compared = 0;
        for (int i = 0; i < probes.size(); i++) {
            int[] p = probes.get(i);
            Completion c = generated.get(i);
            PromptScores s = scored.get(i);
            for (int j = 0; j < c.tokens().length; j++) {
                int pos = p.length + j - 1; // index into s.logProbs(): scores whole[p.length + j]
                int token = c.tokens()[j];
                double gen = c.logProbs()[j];
                double echo = s.logProbs()[pos];
                String where = "probe " + i + " " + head(p) + ", generated token " + j + " (id " + token + ")";
                if (gen > tolerance || echo > tolerance || s.top1LogProbs()[pos] > tolerance) {
                    throw new ServingEngineException(who + " is refused: it reports log-probabilities above 0 at "
                            + where + ": " + fmt(gen) + " when generating it, " + fmt(echo) + " when scoring it as a "
                            + "prompt. These are not log-probabilities (logits? vLLM must run with its default "
                            + "--logprobs-mode raw_logprobs)");
                }
                double d = Math.abs(gen - echo);
                if (!(d <= tolerance)) {
                    throw new ServingEngineException(who + " is refused: its log-probability of the same token after "
                            + "the same tokens differs between generation and prompt scoring at " + where + ": "
                            + fmt(gen) + " when generating it, " + fmt(echo) + " when scoring it as a prompt (echo); "
                            + "difference " + fmt(d) + " > tolerance " + tolerance + " per token. Its prompt "
                            + "log-probabilities cannot be trusted for log-likelihood scoring");
                }
                if (s.top1()[pos] != token && !(s.top1LogProbs()[pos] - echo <= tolerance)) {
                    throw new ServingEngineException(who + " is refused: at " + where + " it generated token " + token
                            + " greedily (log-probability " + fmt(gen) + ") but its prompt scores rank token "
                            + s.top1()[pos] + " first (" + fmt(s.top1LogProbs()[pos]) + " vs " + fmt(echo) + "); "
                            + "its greedy choices and its scores disagree (a repetition penalty or other sampling "
                            + "default on the server?)");
                }
                worst = Math.max(worst, d);
                compared++;
            }
            if (localDecode.isPresent()) {
                String local = withoutTrailingReplacement(localDecode.get().apply(c.tokens()));
                if (!local.equals(withoutTrailingReplacement(c.text()))) {
                    throw new ServingEngineException(who + " is refused: it decodes the tokens it generated for probe "
                            + i + " " + head(p) + ", " + Arrays.toString(c.tokens()) + ", as \"" + c.text()
                            + "\" but the model's tokenizer.json decodes them as \"" + local + "\". The server runs "
                            + "another tokenizer (check its --tokenizer); stop strings would cut the wrong text");
                }
            }
        }
        return new Report(probes.size(), compared, worst, tolerance, client.systemFingerprint());
    }

    /**
     * {@code text} without the U+FFFD characters at its end. Byte-level tokens can stop in the middle
     * of a UTF-8 character: a full decoding shows the partial bytes as U+FFFD, while a server that
     * detokenizes incrementally (vLLM) holds them back and shows nothing.
     */
    static String withoutTrailingReplacement(String text) {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        return text.substring(0, end);
    }

    private static String head(int[] p) {
        int shown = Math.min(p.length, 6);
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < shown; k++) {
            b.append(k > 0 ? ", " : "").append(p[k]);
        }
        return b.append(p.length > shown ? ", ...] (" + p.length + " tokens)" : "]").toString();
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }
}
