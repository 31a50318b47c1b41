package dev.retention.eval;

import dev.retention.model.CausalLm;
import dev.retention.model.ChatTemplateException;
import dev.retention.suite.Check;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.retention.eval.internal.ScoringConfig;

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


    private final Evaluator evaluator;

    SuiteScorer(Evaluator evaluator) {
        this.evaluator = evaluator;
    }

    Scorecard score(Suite suite) {
        CausalLm model = evaluator.model();
        PromptFormat format = evaluator.prompts();
        List<LoglikelihoodRequest> llRequests = new ArrayList<>();
        List<String> llLabels = new ArrayList<>();
        List<Integer> llStart = new ArrayList<>();
        List<GenerationRequest> genRequests = new ArrayList<>();
        List<int[]> genPrompts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        List<String> rendered = new ArrayList<>(suite.size());
        for (SuiteItem item : suite.items()) {
            llStart.add(llRequests.size());
            String what = "item " + item.id() + " of suite " + suite.name();
            if (item instanceof SuiteItem.Perplexity p) {
                texts.add(p.text());
                rendered.add("");
                continue;
            }
            String prompt;
            try {
                prompt = format.prompt(item);
            } catch (ChatTemplateException e) {
                throw e.in("suite " + suite.name());
            }
            rendered.add(prompt);
            List<LoglikelihoodRequest> requests = format.loglikelihoodRequests(item, prompt);
            llRequests.addAll(requests);
            for (int i = 0; i < requests.size(); i++) {
                llLabels.add(what + (item instanceof SuiteItem.Choice ? " (choice " + i + ")"
                        : item instanceof SuiteItem.Generate ? " (its answer)" : ""));
            }
            if (item instanceof SuiteItem.Generate g) {
                if (g.maxTokens() >= model.contextLength()) {
                    throw new IllegalArgumentException(what + ": maxTokens " + g.maxTokens() + " does not fit the "
                            + "context window of " + model.contextLength() + " tokens of " + model.name()
                            + ", which must also hold the prompt; lower maxTokens below " + model.contextLength());
                }
                GenerationRequest request = PromptFormat.generationRequest(g, prompt);
                genRequests.add(request);
                genPrompts.add(evaluator.promptIds(request.prompt()));
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
            String prompt = rendered.get(k);
            if (item instanceof SuiteItem.Generate g) {
                int dropped = evaluator.truncatedPrompt(genPrompts.get(gi).length, g.maxTokens());
                results.add(generate(g, sev, g.answer().isPresent() ? lls.get(at) : null, gens.get(gi++), dropped,
                        prompt));
            } else if (item instanceof SuiteItem.Choice c) {
                results.add(choice(c, sev, lls.subList(at, at + c.choices().size()), prompt));
            } else if (item instanceof SuiteItem.Loglikelihood l) {
                results.add(loglikelihood(l, sev, lls.get(at), format.delimiter(l), prompt));
            } else if (item instanceof SuiteItem.Perplexity p) {
                results.add(perplexity(p, sev, rolls.get(ti++)));
            }
        }
        ScoringConfig scoring = ScoringConfig.of(model.descriptor(), evaluator.config(), format.appliedTemplate(suite));
        return new Scorecard(suite.name(), suite.contentHash(),
                new ModelRef(model.name(), model.fingerprint(), model.directory().toString(), model.device()), scoring,
                Instant.now(), results);
    }

    private static ItemResult generate(SuiteItem.Generate g, Optional<String> sev, Loglikelihood ll, Generation gen,
                                       int promptDropped, String rendered) {
        boolean pass = g.check().test(gen.text(), g.answer());
        return new ItemResult(g.id(), g.category(), g.kind(), sev, outcome(pass),
                ll == null ? Double.NaN : ll.logLikelihood(), ll == null ? 0 : ll.tokens(), 0, 0,
                g.prompt(), describe(g), gen.text(),
                Math.max(promptDropped, ll == null ? 0 : ll.truncatedTokens()), rendered);
    }

    private static ItemResult choice(SuiteItem.Choice c, Optional<String> sev, List<Loglikelihood> lls,
                                     String rendered) {
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
                gold.tokens(), 0, 0, c.context(), c.choices().get(c.gold()),
                c.choices().get(best), lls.stream().mapToInt(Loglikelihood::truncatedTokens).max().orElse(0), rendered);
    }

    private ItemResult loglikelihood(SuiteItem.Loglikelihood l, Optional<String> sev, Loglikelihood ll,
                                     String delimiter, String rendered) {
        String greedy = evaluator.model().tokenizer().decode(ll.greedyTokens());
        return new ItemResult(l.id(), l.category(), l.kind(), sev, outcome(ll.greedy()), ll.logLikelihood(), ll.tokens(),
                0, 0, l.context(), delimiter + l.answer(), greedy, ll.truncatedTokens(), rendered);
    }

    private static ItemResult perplexity(SuiteItem.Perplexity p, Optional<String> sev, RollingLoglikelihood r) {
        return new ItemResult(p.id(), p.category(), p.kind(), sev, ItemResult.Outcome.NOT_SCORED, r.logLikelihood(),
                r.tokens(), RollingLoglikelihood.words(p.text()), p.text().getBytes(StandardCharsets.UTF_8).length,
                "", "", String.format(java.util.Locale.ROOT, "token perplexity %.4f", r.tokenPerplexity()));
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
