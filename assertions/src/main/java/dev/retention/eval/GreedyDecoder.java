package dev.retention.eval;

import dev.retention.model.CausalLm;
import dev.retention.model.internal.ServedGeneration;
import dev.retention.model.internal.GreedySession;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Batched greedy decoding through a {@link GreedySession}: native models prefill the left-padded
 * prompts once and then run one token per unfinished row per step from a KV cache (as transformers'
 * {@code generate(do_sample=False)} does); legacy TorchScript exports re-run each sequence.
 *
 * <p>Prompts are left-truncated to {@code contextLength - maxNewTokens} tokens (lm-evaluation-harness
 * {@code generate_until}). A row stops at an EOS token (not kept), when its decoded text contains a
 * stop string (text cut before the earliest one) or when its budget is spent.
 */
final class GreedyDecoder {

    private final CausalLm model;

    GreedyDecoder(CausalLm model) {
        this.model = model;
    }

    List<Generation> generate(List<int[]> prompts, List<GenerationRequest> requests) {
        for (GenerationRequest r : requests) {
            if (r.maxNewTokens() >= model.contextLength()) {
                throw new IllegalArgumentException("maxNewTokens " + r.maxNewTokens() + " leaves no room for the "
                        + "prompt in the context window of " + model.contextLength());
            }
        }
        if (model.isServed()) {
            return generateServed(prompts, requests);
        }
        int n = prompts.size();
        List<int[]> seqs = new ArrayList<>(n);
        List<List<Integer>> generated = new ArrayList<>(n);
        Generation[] done = new Generation[n];
        for (int i = 0; i < n; i++) {
            int budget = requests.get(i).maxNewTokens();
            int[] p = prompts.get(i);
            int keep = Math.min(p.length, model.contextLength() - budget);
            seqs.add(Arrays.copyOfRange(p, p.length - keep, p.length));
            generated.add(new ArrayList<>());
        }
        List<Integer> active = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            active.add(i);
        }
        try (GreedySession session = model.greedy(seqs)) {
            int[] next = session.next(null);
            while (true) {
                List<Integer> still = new ArrayList<>(active.size());
                int[] keepRows = new int[active.size()];
                int[] appended = new int[active.size()];
                int kept = 0;
                for (int k = 0; k < active.size(); k++) {
                    int i = active.get(k);
                    Generation g = step(next[k], generated.get(i), requests.get(i));
                    if (g != null) {
                        done[i] = g;
                        continue;
                    }
                    still.add(i);
                    keepRows[kept] = k;
                    appended[kept++] = next[k];
                }
                if (still.isEmpty()) {
                    break;
                }
                if (kept < active.size()) {
                    session.keep(Arrays.copyOf(keepRows, kept));
                }
                active = still;
                next = session.next(Arrays.copyOf(appended, kept));
            }
        }
        return Arrays.asList(done);
    }

    /**
     * A served model generates whole on its engine (one request per prompt, grouped by budget and stop
     * strings); the engine cuts the text at a stop string and stops at EOS, as the local loop does.
     */
    private List<Generation> generateServed(List<int[]> prompts, List<GenerationRequest> requests) {
        Generation[] out = new Generation[prompts.size()];
        java.util.Map<java.util.List<Object>, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < requests.size(); i++) {
            GenerationRequest r = requests.get(i);
            groups.computeIfAbsent(List.of(r.maxNewTokens(), r.stop()), k -> new ArrayList<>()).add(i);
        }
        groups.forEach((key, idx) -> {
            GenerationRequest first = requests.get(idx.get(0));
            List<int[]> p = new ArrayList<>();
            for (int i : idx) {
                int[] prompt = prompts.get(i);
                int keep = Math.min(prompt.length, model.contextLength() - first.maxNewTokens());
                p.add(Arrays.copyOfRange(prompt, prompt.length - keep, prompt.length));
            }
            List<ServedGeneration> g = model.generateServed(p, first.maxNewTokens(), first.stop());
            for (int k = 0; k < idx.size(); k++) {
                ServedGeneration s = g.get(k);
                Generation.StopReason reason = s.eos() ? Generation.StopReason.EOS
                        : s.budgetSpent() ? Generation.StopReason.MAX_TOKENS : Generation.StopReason.STOP_STRING;
                int cut = earliestStop(s.text(), first.stop()); // cut as the local loop cuts
                out[idx.get(k)] = new Generation(cut >= 0 ? s.text().substring(0, cut) : s.text(), s.tokens(), reason);
            }
        });
        return Arrays.asList(out);
    }

    /** Applies one token to a row; returns the finished generation or null to continue. */
    private Generation step(int token, List<Integer> gen, GenerationRequest req) {
        if (model.specialTokens().eos().contains(token)) {
            return finish(gen, Generation.StopReason.EOS, req);
        }
        gen.add(token);
        String text = model.tokenizer().decode(ids(gen));
        int cut = earliestStop(text, req.stop());
        if (cut >= 0) {
            return new Generation(text.substring(0, cut), ids(gen), Generation.StopReason.STOP_STRING);
        }
        if (gen.size() >= req.maxNewTokens()) {
            return new Generation(text, ids(gen), Generation.StopReason.MAX_TOKENS);
        }
        return null;
    }

    private Generation finish(List<Integer> gen, Generation.StopReason reason, GenerationRequest req) {
        String text = model.tokenizer().decode(ids(gen));
        int cut = earliestStop(text, req.stop());
        return new Generation(cut >= 0 ? text.substring(0, cut) : text, ids(gen), reason);
    }

    static int earliestStop(String text, List<String> stops) {
        int best = -1;
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    private static int[] ids(List<Integer> gen) {
        int[] a = new int[gen.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = gen.get(i);
        }
        return a;
    }
}
