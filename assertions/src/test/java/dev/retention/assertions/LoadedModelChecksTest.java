package dev.retention.assertions;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.ItemResult;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.Scorecard;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.suite.Check;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Checks that need loaded fixture models: tokenizers, Fisher drift, prompt truncation, the live-model memo. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadedModelChecksTest {

    private static final String TEXT = "The capital of France is Paris. The capital of Italy is Rome. ".repeat(4);

    @TempDir
    static Path work;
    private CausalLm base;
    private CausalLm lora;
    private CausalLm otherTokenizer;

    @BeforeAll
    void load() throws IOException {
        ModelOptions cpu = ModelOptions.defaults().withDevice("cpu");
        base = CausalLm.load(Fixtures.model("base"), cpu);
        lora = CausalLm.load(Fixtures.model("lora"), cpu);
        // lora with a tokenizer.json that differs in its bytes only: another tokenizer as far as anyone can prove.
        Path copy = work.resolve("lora-retokenized");
        Files.createDirectories(copy);
        try (Stream<Path> files = Files.list(Fixtures.model("lora"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve(f.getFileName().toString()));
            }
        }
        Files.writeString(copy.resolve("tokenizer.json"), Files.readString(copy.resolve("tokenizer.json")) + "\n");
        otherTokenizer = CausalLm.load(copy, cpu);
    }

    @AfterAll
    void close() {
        base.close();
        lora.close();
        otherTokenizer.close();
    }

    private static EvalConfig quiet() {
        return EvalConfig.defaults().withProgress(ProgressListener.none(), Duration.ofHours(1));
    }

    @Test
    void nextTokenDivergenceBetweenTwoTokenizersIsRefusedNamingBoth() {
        assertThatThrownBy(() -> assertThatModel(otherTokenizer).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(10))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("next-token divergence compares the two models' distributions token by token, "
                        + "so both must use one tokenizer, but the baseline base (tokenizer sha256 "
                        + base.tokenizerFingerprint().substring(0, 12) + ", 640 logits, " + base.directory()
                        + ") and the tuned model lora-retokenized (tokenizer sha256 "
                        + otherTokenizer.tokenizerFingerprint().substring(0, 12) + ", 640 logits, "
                        + otherTokenizer.directory() + ") do not. A different tokenizer is not forgetting");
        assertThat(otherTokenizer.tokenizerFingerprint()).isNotEqualTo(base.tokenizerFingerprint());
    }

    @Test
    void perplexityAcrossTwoTokenizersIsPerWordAndSaysWhy() {
        List<PerplexityVerdict> seen = new ArrayList<>();
        RetentionEvents.Registration r = RetentionEvents.register(new RetentionEvents.Listener() {
            @Override
            public void onVerdicts(String kind, List<CategoryVerdict> verdicts) {
            }

            @Override
            public void onPerplexity(PerplexityVerdict verdict) {
                seen.add(verdict);
            }
        });
        try {
            assertThatModel(otherTokenizer).retains(base).perplexityOn(TEXT).withinFactor(100);
            assertThatModel(lora).retains(base).perplexityOn(TEXT).withinFactor(100);
        } finally {
            r.close();
        }
        assertThat(seen).extracting(PerplexityVerdict::metric)
                .containsExactly("word perplexity (the tokenizers differ)", "token perplexity");
    }

    @Test
    void fisherDriftFromARecordedBaselineSaysItNeedsTheBaselineModel() {
        Cards cards = new Cards().category("math", 4);
        ScoredModel recorded = cards.model("base-recorded", Map.of("math", Cards.firstPassing(4, 4)));
        assertThatThrownBy(() -> assertThatModel(lora).fisherWeightedDriftFrom(recorded).on(cards.suite()).isAtMost(1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the Fisher-weighted drift needs the loaded baseline model (its gradients on synthetic), "
                        + "but base-recorded is a recorded scorecard; declare the baseline model itself (e.g. "
                        + "@RetentionTest(baseline = \"path/to/model\") or ScoredModel.of(CausalLm))");
    }

    @Test
    void leftTruncatedPromptsAreRecordedPerItem() {
        String longPrompt = "Q: " + "Please read this very long preamble carefully. ".repeat(40) + "What is 2 + 2?\nA:";
        Suite suite = Suite.builder("long")
                .add(new SuiteItem.Generate("gen-long", "math", longPrompt, Optional.of(" 4"), Check.exact(" 4"), 8,
                        SuiteItem.DEFAULT_STOP, Optional.empty(), List.of()))
                .generate("gen-short", "math", "Q: What is 2 + 2?\nA:", " 4", Check.exact(" 4"))
                .choice("choice-long", "math", longPrompt, List.of("4", "5"), 0)
                .build();
        Scorecard card = Evaluator.of(base, quiet()).score(suite);
        int promptTokens = base.tokenizer().encode(longPrompt).length;
        assertThat(promptTokens).isGreaterThan(base.contextLength());
        ItemResult gen = card.item("gen-long").orElseThrow();
        assertThat(gen.truncatedTokens()).as("generation keeps the last contextLength - maxTokens prompt tokens")
                .isEqualTo(promptTokens - (base.contextLength() - 8));
        assertThat(card.item("choice-long").orElseThrow().truncated()).isTrue();
        assertThat(card.item("gen-short").orElseThrow().truncatedTokens()).isZero();
        assertThat(Scorecard.fromJson(card.toJson(), "mem").item("gen-long").orElseThrow().truncatedTokens())
                .isEqualTo(gen.truncatedTokens());
    }

    @Test
    void aTokenBudgetOrContinuationThatCannotFitNamesTheItem() {
        Suite budget = Suite.builder("budget").add(new SuiteItem.Generate("essay-1", "writing", "Write:", Optional.of(" x"),
                Check.exact(" x"), 500, SuiteItem.DEFAULT_STOP, Optional.empty(), List.of())).build();
        assertThatThrownBy(() -> Evaluator.of(base, quiet()).score(budget)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("item essay-1 of suite budget: maxTokens 500 does not fit the context window of 128 tokens "
                        + "of base, which must also hold the prompt; lower maxTokens below 128");
        Suite answer = Suite.builder("answer").loglikelihood("recite-1", "memory", "Recite:", "la ".repeat(200)).build();
        assertThatThrownBy(() -> Evaluator.of(base, quiet()).score(answer)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("item recite-1 of suite answer: the continuation has ")
                .hasMessageEndingWith("tokens, more than the context window of 128; shorten it or score with a longer "
                        + "window (retention.contextLength)");
    }

    @Test
    void liveModelsShareTheirScorecardsAndTheMemoCannotKeepAModelAlive() throws ReflectiveOperationException {
        Suite suite = Suite.builder("tiny").loglikelihood("a", "c", "The capital of France is", "Paris").build();
        Scorecard first = Navigation.live(lora).scorecard(suite);
        assertThat(Navigation.live(lora).scorecard(suite)).as("scored once per model").isSameAs(first);
        // Whatever the memo is, no model may be reachable from its values: a value that reaches its
        // (weak) key keeps the entry forever.
        for (Field f : Navigation.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && Map.class.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                Map<?, ?> memo = (Map<?, ?>) f.get(null);
                List<Object> values;
                synchronized (memo) {
                    values = new ArrayList<>(memo.values());
                }
                assertThat(values).as(f.getName()).isNotEmpty();
                assertThat(reachesAModel(values)).as("a value of " + f.getName() + " reaches a CausalLm").isFalse();
            }
        }
    }

    /** Walks fields of Retention's classes and the contents of collections, maps, optionals and arrays. */
    private static boolean reachesAModel(Object root) throws IllegalAccessException {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Object> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            Object o = todo.remove(todo.size() - 1);
            if (o == null || !seen.add(o)) {
                continue;
            }
            if (o instanceof CausalLm) {
                return true;
            }
            if (o instanceof Map<?, ?> m) {
                todo.addAll(m.keySet());
                todo.addAll(m.values());
            } else if (o instanceof Collection<?> c) {
                todo.addAll(c);
            } else if (o instanceof Optional<?> opt) {
                opt.ifPresent(todo::add);
            } else if (o.getClass().isArray() && !o.getClass().getComponentType().isPrimitive()) {
                for (int i = 0; i < Array.getLength(o); i++) {
                    todo.add(Array.get(o, i));
                }
            } else if (o.getClass().getName().startsWith("dev.retention.") && !(o instanceof Enum<?>)) {
                for (Class<?> c = o.getClass(); c != null && c.getName().startsWith("dev.retention.");
                     c = c.getSuperclass()) {
                    for (Field f : c.getDeclaredFields()) {
                        if (!Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive()) {
                            f.setAccessible(true);
                            todo.add(f.get(o));
                        }
                    }
                }
            }
        }
        return false;
    }

    @Test
    void aNegativeOrNaNBoundIsRefusedBeforeAnythingIsComputed() {
        assertThatThrownBy(() -> assertThatModel(lora).weightsComparedTo(base).hasRmsDriftAtMost(-0.01))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the RMS drift bound must be at least 0, got -0.01");
        assertThatThrownBy(() -> assertThatModel(lora).fisherWeightedDriftFrom(base).isAtMost(Double.NaN))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the Fisher-weighted drift bound must be at least 0, got NaN");
        assertThatThrownBy(() -> assertThatModel(lora).nextTokenDivergenceFrom(base).onText(TEXT).isAtMost(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the divergence bound must be at least 0 nats per token, got -1.0");
        assertThatThrownBy(() -> assertThatModel(lora).weightsComparedTo(base).changedOnlyParametersMatching("(q_proj"))
                .isInstanceOf(java.util.regex.PatternSyntaxException.class);
    }
}
