package dev.retention.assertions;

import dev.retention.eval.EvalConfig;
import dev.retention.eval.PromptFormat;
import dev.retention.eval.ProgressListener;
import dev.retention.eval.Scorecard;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ModelOptions;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Severity;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static dev.retention.assertions.RetentionAssertions.assertThatModel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * With a chat template that puts one long system prompt before every question, failure messages, canary messages
 * and the HTML report still show each item's own question; the rendered text is in the report, on demand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TemplatedFailureMessagesTest {

    /** Longer than the 100 characters a message shows of a prompt. */
    private static final String SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face. Answer "
            + "every question briefly and precisely, in one line.";
    /** Renders the system prompt, then the user's text as is, so the fixture models still see their Q:/A: format. */
    private static final String TEMPLATE = "{{ bos_token }}" + SYSTEM + "\n{% for m in messages %}{{ m['content'] }}"
            + "{% endfor %}";
    private static final Pattern LISTED = Pattern.compile("^  - (\\S+) \\(", Pattern.MULTILINE);

    private final List<CausalLm> loaded = new ArrayList<>();
    private ScoredModel base;
    private ScoredModel tuned;
    private Suite suite;

    @BeforeAll
    void loadTemplatedCopies(@TempDir Path work) throws IOException {
        EvalConfig config = EvalConfig.defaults().withProgress(ProgressListener.none(), Duration.ofHours(1));
        base = ScoredModel.of(load(withTemplate(work, "base")), config);
        tuned = ScoredModel.of(load(withTemplate(work, "full-ft")), config);
        Suite.Builder b = Suite.builder("general-chat"); // every general item, as a critical chat item
        for (SuiteItem i : Suite.load(Fixtures.generalSuite()).items()) {
            b.add(criticalChat(i));
        }
        suite = b.build();
    }

    private static SuiteItem criticalChat(SuiteItem i) {
        Optional<Severity> critical = Optional.of(Severity.CRITICAL);
        if (i instanceof SuiteItem.Generate g) {
            return new SuiteItem.Generate(g.id(), g.category(), g.prompt(), g.answer(), g.check(), g.maxTokens(),
                    g.stop(), critical, g.tags(), true);
        }
        if (i instanceof SuiteItem.Choice c) {
            return new SuiteItem.Choice(c.id(), c.category(), c.context(), c.choices(), c.gold(), c.delimiter(),
                    c.normalized(), critical, c.tags(), true);
        }
        SuiteItem.Loglikelihood l = (SuiteItem.Loglikelihood) i;
        return new SuiteItem.Loglikelihood(l.id(), l.category(), l.context(), l.answer(), l.delimiter(), critical,
                l.tags(), true);
    }

    @AfterAll
    void close() {
        loaded.forEach(CausalLm::close);
    }

    private CausalLm load(Path dir) {
        CausalLm lm = CausalLm.load(dir, ModelOptions.defaults().withDevice("cpu"));
        loaded.add(lm);
        return lm;
    }

    private static Path withTemplate(Path work, String model) throws IOException {
        Path dir = Files.createDirectories(work.resolve(model));
        try (Stream<Path> files = Files.list(Fixtures.model(model))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("chat_template.jinja"), TEMPLATE);
        return dir;
    }

    /** The ids the message lists under "Newly failing items", each checked to show its own question. */
    private List<String> listedItemsShowTheirQuestion(String message) {
        assertThat(message).contains("Newly failing items").contains("(prompts as the suite gives them; the text the "
                + "model saw after the prompt or chat template is in report.html and in the scorecards' renderedPrompt)")
                .doesNotContain(SYSTEM.substring(0, 40));
        List<String> ids = new ArrayList<>();
        Matcher m = LISTED.matcher(message);
        while (m.find()) {
            ids.add(m.group(1));
        }
        for (String id : ids) {
            String question = PromptFormat.text(suite.item(id).orElseThrow());
            assertThat(message).as(id).contains("      prompt:   " + VerdictTable.quote(question));
        }
        return ids;
    }

    @Test
    void newlyFailingItemsShowTheirQuestionNotTheSharedSystemPrompt() {
        Scorecard rendered = tuned.scorecard(suite);
        assertThat(rendered.items()).allSatisfy(i -> assertThat(i.renderedPrompt()).startsWith("<|endoftext|>" + SYSTEM));
        try (RetentionReport report = RetentionReport.start()) {
            AssertionError e = catchThrowableOfType(AssertionError.class, () -> assertThatModel(tuned).retains(base)
                    .on(suite).onEveryCategory().within(0.0));
            assertThat(e).as("full-ft forgets general items it passed as base").isNotNull();
            List<String> ids = listedItemsShowTheirQuestion(e.getMessage());
            assertThat(ids).hasSize(VerdictTable.ITEMS_SHOWN);

            String html = report.html(null);
            for (String id : ids) {
                String question = PromptFormat.text(suite.item(id).orElseThrow());
                assertThat(html).as(id).contains("<code>" + esc(question).replace("\n", "\\n") + "</code><details>"
                        + "<summary>as the model saw it</summary><pre style=\"white-space:pre-wrap;font-size:12px\">"
                        + esc(rendered.item(id).orElseThrow().renderedPrompt()) + "</pre></details>");
            }
            assertThat(report.json(null)).contains("\"renderedPrompt\"");
        }
    }

    @Test
    void canaryMessagesShowTheQuestionToo() {
        AssertionError e = catchThrowableOfType(AssertionError.class, () -> assertThatModel(tuned).retains(base)
                .on(suite).everyCanaryAtLeast(Severity.HIGH));
        assertThat(e).isNotNull();
        assertThat(listedItemsShowTheirQuestion(e.getMessage())).isNotEmpty();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
