package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.eval.ChatTemplateSetting;
import dev.retention.eval.EvalConfig;
import dev.retention.eval.Evaluator;
import dev.retention.eval.ItemResult;
import dev.retention.eval.Loglikelihood;
import dev.retention.eval.PromptFormat;
import dev.retention.eval.Scorecard;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.TestExecutionResult;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * {@code retention.chatTemplate} and {@code retention.chatTemplate.system} in a JUnit run: chat items go through the
 * configured template, a plain-Java {@link PromptFormat} with the same settings makes exactly the requests the
 * extension scored, another template is another cache entry, and a path without a template fails the run naming
 * the key.
 */
class ChatTemplateRunTest {

    private static final String SYSTEM = "Answer in a word.";

    @TempDir
    Path work;

    /** What the sample reproduces in plain Java: the run's settings as an EvalConfig. */
    static volatile EvalConfig plainJava;

    private Map<String, String> config(Path template) throws IOException {
        List<String> lines = new ArrayList<>(List.of("{\"defaults\": {\"chat\": true}}"));
        // the geography and arithmetic items of the general suite, as chat items
        lines.addAll(Files.readAllLines(Fixtures.generalSuite(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.contains("\"geography\"") || l.contains("\"arithmetic\"")).toList());
        Path suite = work.resolve("chat.jsonl");
        Files.write(suite, lines, StandardCharsets.UTF_8);
        Map<String, String> cfg = TestRuns.fixtureConfig(work);
        cfg.put("retention.suite", suite.toString());
        cfg.put("retention.chatTemplate", template.toString());
        cfg.put("retention.chatTemplate.system", SYSTEM);
        plainJava = EvalConfig.defaults().withChatTemplate(ChatTemplateSetting.file(template)).withSystemMessage(SYSTEM);
        return cfg;
    }

    private static Path fixtureTemplate() {
        return Fixtures.chatTemplates().resolve("templates").resolve("hw-system-bos.jinja");
    }

    @Test
    void plainJavaPromptFormatMakesTheRequestsTheExtensionScored() throws IOException {
        TestRuns.Run run = TestRuns.run(config(fixtureTemplate()), ReproducesTheRequests.class);
        run.results().testEvents().assertStatistics(s -> s.started(1).succeeded(1));
    }

    @Test
    void anotherChatTemplateIsAnotherRunNotACacheHit() throws IOException {
        TestRuns.run(config(fixtureTemplate()), ReproducesTheRequests.class);
        TestRuns.Run again = TestRuns.run(config(fixtureTemplate()), ReproducesTheRequests.class);
        assertThat(again.lines("retention: scorecard cache miss")).isEmpty();

        Path edited = work.resolve("edited.jinja");
        Files.writeString(edited, Files.readString(fixtureTemplate()).replace("[USER]", "[Q]"));
        TestRuns.Run other = TestRuns.run(config(edited), ReproducesTheRequests.class);
        other.results().testEvents().assertStatistics(s -> s.succeeded(1));
        assertThat(other.lines("retention: scorecard cache miss: scoring lora on chat")).hasSize(1);
    }

    @Test
    void aChatTemplatePathWithoutATemplateFailsTheRunNamingTheKey() throws IOException {
        Map<String, String> cfg = config(fixtureTemplate());
        Path missing = work.resolve("missing.jinja");
        cfg.put("retention.chatTemplate", missing.toString());
        TestRuns.Run run = TestRuns.run(cfg, ReproducesTheRequests.class);
        Throwable t = run.results().containerEvents().failed().list().get(0)
                .getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow();
        assertThat(t).isInstanceOf(ExtensionConfigurationException.class)
                .hasMessageContaining("configuration parameter retention.chatTemplate = '" + missing + "' is "
                + "invalid (expected auto, none or a chat template path): " + missing + ": chat template file does "
                + "not exist; give a .jinja file, a tokenizer_config.json or a model directory that has a chat template");
    }

    @RetentionTest
    static class ReproducesTheRequests {
        @Test
        void requestsAreReproducible(@Tuned ScoredModel scored, @Tuned CausalLm lm, Suite suite) {
            Scorecard card = scored.scorecard(suite);
            Evaluator evaluator = Evaluator.of(lm, plainJava);
            PromptFormat format = evaluator.prompts();
            assertThat(card.scoring().chatTemplate()).contains(format.chatTemplate().orElseThrow().sha256());
            assertThat(card.scoring().systemMessage()).contains(SYSTEM);
            for (SuiteItem item : suite.items()) {
                ItemResult r = card.item(item.id()).orElseThrow();
                assertThat(r.prompt()).isEqualTo(PromptFormat.text(item));
                assertThat(r.renderedPrompt()).isEqualTo(format.prompt(item)).contains("<<SYS>>" + SYSTEM);
                List<Loglikelihood> lls = evaluator.loglikelihood(format.loglikelihoodRequests(item));
                Loglikelihood scoredOne = lls.get(item instanceof SuiteItem.Choice c ? c.gold() : 0);
                // the run batches all items together, this call one item's requests: float32 rounding only
                assertThat(r.logLikelihood()).as(item.id()).isCloseTo(scoredOne.logLikelihood(),
                        within(1e-4 * scoredOne.tokens()));
                assertThat(r.tokens()).isEqualTo(scoredOne.tokens());
            }
        }
    }
}
