package dev.retention.eval;

import dev.retention.model.CausalLm;
import dev.retention.suite.Check;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns a suite into requests, runs them through an {@link Evaluator} (all log-likelihood requests
 * batched together, then all generations, then all perplexity texts) and assembles the
 * {@link Scorecard}.
 *
 * <p>Item outcomes: generate passes its {@link Check}; choice passes when the argmax of the
 * choices' log-likelihoods (divided by the choice's length in characters for {@code acc_norm};
 * first maximum on ties) is gold; loglikelihood passes when the answer is the greedy continuation.
 * Perplexity texts count words as lm-evaluation-harness does ({@code len(re.split(r"\s+", text))})
 * and bytes as UTF-8.
 *
 * <p>Prompts that do not fit the context window are left-truncated (log-likelihood requests keep
 * their last {@code contextLength + 1} tokens, generation prompts their last
 * {@code contextLength - maxTokens}); each item records how many prompt tokens its model did not
 * see ({@link ItemResult#truncatedTokens()}). A {@code maxTokens} or a continuation that cannot fit
 * at all is an error naming the item.
 */
final class SuiteScorer {

    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    private final Evaluator evaluator;

    SuiteScorer(Evaluator evaluator) {
        this.evaluator = evaluator;
    }

    Scorecard score(Suite suite) {
        EvalConfig cfg = evaluator.config();
        CausalLm model = evaluator.model();
        List<LoglikelihoodRequest> llRequests = new ArrayList<>();
        List<String> llLabels = new ArrayList<>();
        List<Integer> llStart = new ArrayList<>();
        List<GenerationRequest> genRequests = new ArrayList<>();
        List<int[]> genPrompts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (SuiteItem item : suite.items()) {
            llStart.add(llRequests.size());
            String what = "item " + item.id() + " of suite " + suite.name();
            if (item instanceof SuiteItem.Generate g) {
                String prompt = cfg.apply(g.prompt());
                g.answer().ifPresent(a -> {
                    llRequests.add(new LoglikelihoodRequest(prompt, a));
                    llLabels.add(what + " (its answer)");
                });
                if (g.maxTokens() >= model.contextLength()) {
                    throw new IllegalArgumentException(what + ": maxTokens " + g.maxTokens() + " does not fit the "
                            + "context window of " + model.contextLength() + " tokens of " + model.name()
                            + ", which must also hold the prompt; lower maxTokens below " + model.contextLength());
                }
                genRequests.add(new GenerationRequest(prompt, g.maxTokens(), g.stop()));
                genPrompts.add(evaluator.promptIds(prompt));
            } else if (item instanceof SuiteItem.Choice c) {
                String ctx = cfg.apply(c.context());
                for (int i = 0; i < c.choices().size(); i++) {
                    llRequests.add(new LoglikelihoodRequest(ctx, c.delimiter() + c.choices().get(i)));
                    llLabels.add(what + " (choice " + i + ")");
                }
            } else if (item instanceof SuiteItem.Loglikelihood l) {
                llRequests.add(new LoglikelihoodRequest(cfg.apply(l.context()), l.delimiter() + l.answer()));
                llLabels.add(what);
            } else if (item instanceof SuiteItem.Perplexity p) {
                texts.add(p.text());
            }
        }
        String tag = suite.name();
        List<Loglikelihood> lls = llRequests.isEmpty() ? List.of()
                : evaluator.loglikelihood(llRequests, tag + ": loglikelihood", llLabels::get);
        List<Generation> gens = genRequests.isEmpty() ? List.of()
                : evaluator.generateEncoded(genPrompts, genRequests, tag + ": generate");
        List<RollingLoglikelihood> rolls = texts.isEmpty() ? List.of()
                : evaluator.rollingLoglikelihood(texts, tag + ": perplexity");

        List<ItemResult> results = new ArrayList<>(suite.size());
        int gi = 0;
        int ti = 0;
        for (int k = 0; k < suite.size(); k++) {
            SuiteItem item = suite.items().get(k);
            int at = llStart.get(k);
            Optional<String> sev = item.severity().map(Severity::label);
            if (item instanceof SuiteItem.Generate g) {
                int dropped = evaluator.truncatedPrompt(genPrompts.get(gi).length, g.maxTokens());
                results.add(generate(g, sev, g.answer().isPresent() ? lls.get(at) : null, gens.get(gi++), dropped));
            } else if (item instanceof SuiteItem.Choice c) {
                results.add(choice(c, sev, lls.subList(at, at + c.choices().size())));
            } else if (item instanceof SuiteItem.Loglikelihood l) {
                results.add(loglikelihood(l, sev, lls.get(at)));
            } else if (item instanceof SuiteItem.Perplexity p) {
                results.add(perplexity(p, sev, rolls.get(ti++)));
            }
        }
        ScoringConfig scoring = ScoringConfig.of(model.descriptor(), cfg);
        return new Scorecard(suite.name(), suite.contentHash(),
                new ModelRef(model.name(), model.fingerprint(), model.directory().toString(), model.device()), scoring,
                Instant.now(), results);
    }

    private ItemResult generate(SuiteItem.Generate g, Optional<String> sev, Loglikelihood ll, Generation gen,
                                int promptDropped) {
        boolean pass = g.check().test(gen.text(), g.answer());
        return new ItemResult(g.id(), g.category(), g.kind(), sev, outcome(pass),
                ll == null ? Double.NaN : ll.logLikelihood(), ll == null ? 0 : ll.tokens(), 0, 0,
                evaluator.config().apply(g.prompt()), describe(g), gen.text(),
                Math.max(promptDropped, ll == null ? 0 : ll.truncatedTokens()));
    }

    private ItemResult choice(SuiteItem.Choice c, Optional<String> sev, List<Loglikelihood> lls) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < lls.size(); i++) {
            double s = lls.get(i).logLikelihood();
            if (c.normalized()) {
                String choice = c.choices().get(i);
                s /= choice.codePointCount(0, choice.length());
            }
            if (s > bestScore) {
                bestScore = s;
                best = i;
            }
        }
        Loglikelihood gold = lls.get(c.gold());
        return new ItemResult(c.id(), c.category(), c.kind(), sev, outcome(best == c.gold()), gold.logLikelihood(),
                gold.tokens(), 0, 0, evaluator.config().apply(c.context()), c.choices().get(c.gold()),
                c.choices().get(best), lls.stream().mapToInt(Loglikelihood::truncatedTokens).max().orElse(0));
    }

    private ItemResult loglikelihood(SuiteItem.Loglikelihood l, Optional<String> sev, Loglikelihood ll) {
        String greedy = evaluator.model().tokenizer().decode(ll.greedyTokens());
        return new ItemResult(l.id(), l.category(), l.kind(), sev, outcome(ll.greedy()), ll.logLikelihood(), ll.tokens(),
                0, 0, evaluator.config().apply(l.context()), l.delimiter() + l.answer(), greedy, ll.truncatedTokens());
    }

    private static ItemResult perplexity(SuiteItem.Perplexity p, Optional<String> sev, RollingLoglikelihood r) {
        return new ItemResult(p.id(), p.category(), p.kind(), sev, ItemResult.Outcome.NOT_SCORED, r.logLikelihood(),
                r.tokens(), words(p.text()), p.text().getBytes(StandardCharsets.UTF_8).length,
                "", "", String.format(java.util.Locale.ROOT, "token perplexity %.4f", r.tokenPerplexity()));
    }

    /** lm-evaluation-harness word count: {@code len(re.split(r"\s+", text))}, empty pieces included. */
    static long words(String text) {
        return WHITESPACE.split(text, -1).length;
    }

    private static ItemResult.Outcome outcome(boolean pass) {
        return pass ? ItemResult.Outcome.PASS : ItemResult.Outcome.FAIL;
    }

    private static String describe(SuiteItem.Generate g) {
        Check c = g.check();
        String operand = c.expect().or(g::answer).orElse("");
        return switch (c.type()) {
            case EXACT -> operand.strip();
            case CONTAINS -> "contains \"" + operand.strip() + "\"";
            case ICONTAINS -> "contains \"" + operand.strip() + "\" (any case)";
            case REGEX -> "matches /" + operand + "/";
            case JSON -> c.expect().map(e -> "JSON equal to " + e).orElse("valid JSON");
        };
    }
}
