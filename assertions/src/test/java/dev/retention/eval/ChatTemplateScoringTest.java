package dev.retention.eval;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.retention.fixtures.Fixtures;
import dev.retention.model.CausalLm;
import dev.retention.model.ChatTemplate;
import dev.retention.model.ChatTemplateException;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.ModelOptions;
import dev.retention.model.internal.ScoreRow;
import dev.retention.suite.Check;
import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import dev.retention.eval.internal.LibraryVersion;
import dev.retention.eval.internal.ScorecardKey;
import dev.retention.eval.internal.ScoringConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Chat items scored through a chat template on copies of the {@code hf/llama} fixture that ship one: the rendered
 * prompt is what transformers' {@code apply_chat_template} renders, the token ids scored are the tokenizer's
 * encoding of it without special tokens added (as transformers tokenizes a rendered chat), so a template that writes
 * the BOS token never gets a second one, and the scorecard and its cache key name the template.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChatTemplateScoringTest {

    private static final String BOS = "<|endoftext|>";
    private static final String QUESTION = "Q: What is the capital of France?\nA:";

    private Path work;

    private Path bosDir;      // hw-system-bos: the template writes {{ bos_token }} first
    private Path chatmlDir;   // SmolLM2's template: no BOS in the rendered text
    private final List<CausalLm> loaded = new ArrayList<>();

    @BeforeAll
    void copyFixtures(@TempDir Path dir) throws IOException {
        work = dir;
        bosDir = withTemplate("bos-template", "hw-system-bos.jinja");
        chatmlDir = withTemplate("chatml-template", "SmolLM2-135M-Instruct.jinja");
    }

    @AfterAll
    void close() {
        loaded.forEach(CausalLm::close);
    }

    /** A copy of {@code hf/llama} with {@code chat_template.jinja} from the fixture templates. */
    private Path withTemplate(String name, String template) throws IOException {
        Path dir = Files.createDirectories(work.resolve(name));
        try (Stream<Path> files = Files.list(Fixtures.hf("llama"))) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.copy(Fixtures.chatTemplates().resolve("templates").resolve(template), dir.resolve("chat_template.jinja"));
        return dir;
    }

    private CausalLm load(Path dir, boolean addBos) {
        CausalLm lm = CausalLm.load(dir, ModelOptions.defaults().withDevice("cpu").withAddBosToken(addBos));
        loaded.add(lm);
        return lm;
    }

    private static EvalConfig quiet() {
        return EvalConfig.defaults().withBatchSize(1).withProgress(ProgressListener.none(), Duration.ofHours(1));
    }

    /** transformers' {@code tokenizer(text, add_special_tokens=False)}: the Rust tokenizer, nothing added. */
    private static int[] reference(Path dir, String text) throws IOException {
        try (HuggingFaceTokenizer t = HuggingFaceTokenizer.builder().optTokenizerPath(dir.resolve("tokenizer.json"))
                .optAddSpecialTokens(false).optTruncation(false).optPadding(false).build()) {
            return Arrays.stream(t.encode(text, false, false).getIds()).mapToInt(Math::toIntExact).toArray();
        }
    }

    /** What transformers renders: {@code apply_chat_template(messages, add_generation_prompt=True)}. */
    private static String transformers(Path dir, List<ChatTemplate.Message> messages) throws IOException {
        String source = Files.readString(dir.resolve("chat_template.jinja"), StandardCharsets.UTF_8);
        return ChatTemplate.of(source, "reference").withClock(PromptFormat.TEMPLATE_CLOCK).render(messages, true,
                Map.of("bos_token", BOS, "eos_token", BOS, "pad_token", "<pad>"));
    }

    private static SuiteItem.Loglikelihood loglikelihood(String id, boolean chat) {
        return new SuiteItem.Loglikelihood(id, "geo", QUESTION, "Paris", " ", Optional.empty(), List.of(), chat);
    }

    @Test
    void aChatItemIsTheUserMessageOfTheModelsTemplateWithTheGenerationPrompt() throws IOException {
        ModelDescriptor model = CausalLm.describe(bosDir, ModelOptions.defaults());
        EvalConfig config = quiet().withPromptTemplate("Answer briefly. {prompt}");
        PromptFormat format = PromptFormat.of(model, config);

        String rendered = transformers(bosDir, List.of(new ChatTemplate.Message("user", QUESTION)));
        assertThat(rendered).startsWith(BOS + "<<SYS>>").contains(QUESTION);
        assertThat(format.prompt(loglikelihood("chat", true))).isEqualTo(rendered);
        assertThat(format.loglikelihoodRequests(loglikelihood("chat", true)))
                .as("the answer starts the assistant's reply: no delimiter")
                .containsExactly(new LoglikelihoodRequest(rendered, "Paris"));
        assertThat(format.prompt(loglikelihood("plain", false))).isEqualTo("Answer briefly. " + QUESTION);
        assertThat(format.loglikelihoodRequests(loglikelihood("plain", false)))
                .containsExactly(new LoglikelihoodRequest("Answer briefly. " + QUESTION, " Paris"));

        assertThat(PromptFormat.of(model, config.withSystemMessage("Be terse.")).prompt(loglikelihood("chat", true)))
                .isEqualTo(transformers(bosDir, List.of(new ChatTemplate.Message("system", "Be terse."),
                        new ChatTemplate.Message("user", QUESTION))))
                .contains("<<SYS>>Be terse.<</SYS>>");
        assertThat(PromptFormat.of(model, config.withChatTemplate(ChatTemplateSetting.none()))
                .prompt(loglikelihood("chat", true))).as("none: a chat item is a plain item")
                .isEqualTo("Answer briefly. " + QUESTION);
        assertThat(PromptFormat.of(CausalLm.describe(Fixtures.hf("llama"), ModelOptions.defaults()), config)
                .prompt(loglikelihood("chat", true))).as("auto, and the model has no template")
                .isEqualTo("Answer briefly. " + QUESTION);
        assertThat(PromptFormat.of(CausalLm.describe(Fixtures.hf("llama"), ModelOptions.defaults()),
                config.withChatTemplate(ChatTemplateSetting.file(chatmlDir.resolve("chat_template.jinja"))))
                .prompt(loglikelihood("chat", true))).as("a template file applies to any model")
                .isEqualTo(transformers(chatmlDir, List.of(new ChatTemplate.Message("user", QUESTION))));
    }

    @Test
    void aTemplateThatWritesBosGetsNoSecondBosEvenWhenTheModelAddsBos() throws IOException {
        for (boolean addBos : new boolean[] {true, false}) {
            CausalLm lm = load(bosDir, addBos);
            Evaluator evaluator = Evaluator.of(lm, quiet());
            SuiteItem.Loglikelihood item = loglikelihood("chat", true);
            String rendered = evaluator.prompts().prompt(item);
            int bos = lm.specialTokens().bos().getAsInt();

            int[] whole = reference(bosDir, rendered + "Paris");
            assertThat(whole[0]).isEqualTo(bos);
            assertThat(whole[1]).as("transformers' ids hold one BOS").isNotEqualTo(bos);
            PairEncoding.Pair pair = PairEncoding.encode(lm.tokenizer(), evaluator::prefixToken, rendered, "Paris");
            assertThat(pair.whole()).as("addBosToken " + addBos).containsExactly(whole);
            assertThat(evaluator.promptIds(rendered)).as("addBosToken " + addBos)
                    .containsExactly(reference(bosDir, rendered));

            // the suite scores exactly these ids
            int[] context = reference(bosDir, rendered.stripTrailing());
            ScoreRow row = PairEncoding.row(new PairEncoding.Pair(context,
                    Arrays.copyOfRange(whole, context.length, whole.length)), lm.contextLength(), "reference");
            double expected = lm.score(List.of(row)).get(0).sum();
            Scorecard card = evaluator.score(Suite.builder("chat").add(item).build());
            assertThat(card.item("chat").orElseThrow().logLikelihood()).as("addBosToken " + addBos).isEqualTo(expected);
        }
    }

    @Test
    void aTemplateWithoutBosGetsBosOnlyWhenTheModelAddsIt() throws IOException {
        String rendered = transformers(chatmlDir, List.of(new ChatTemplate.Message("user", QUESTION)));
        assertThat(rendered).startsWith("<|im_start|>system\n");
        int[] plain = reference(chatmlDir, rendered);
        CausalLm withBos = load(chatmlDir, true);
        int[] expected = new int[plain.length + 1];
        expected[0] = withBos.specialTokens().bos().getAsInt();
        System.arraycopy(plain, 0, expected, 1, plain.length);
        assertThat(Evaluator.of(withBos, quiet()).promptIds(rendered)).containsExactly(expected);
        assertThat(Evaluator.of(load(chatmlDir, false), quiet()).promptIds(rendered)).containsExactly(plain);
    }

    @Test
    void theScorecardAndItsCacheKeyNameTheTemplateSoAnotherTemplateIsAnotherRun() throws IOException {
        ModelDescriptor model = CausalLm.describe(bosDir, ModelOptions.defaults());
        Suite chat = Suite.builder("s").add(loglikelihood("a", true)).build();
        Suite plain = Suite.builder("s").add(loglikelihood("a", false)).build();
        EvalConfig config = quiet();
        String sha = ChatTemplate.load(bosDir.resolve("chat_template.jinja")).sha256();

        ScoringConfig templated = ScoringConfig.of(model, config, chat);
        assertThat(templated.chatTemplate()).contains(sha);
        ScoringConfig untemplated = ScoringConfig.of(model, config, plain);
        assertThat(untemplated.chatTemplate()).isEmpty();
        assertThat(untemplated.hash()).as("a run without chat items keeps its key")
                .isEqualTo(new ScoringConfig(config.batchSize(), model.contextLength(), false, EvalConfig.PROMPT,
                        LibraryVersion.retention(), LibraryVersion.engine()).hash());
        assertThat(templated.hash()).isNotEqualTo(untemplated.hash());
        assertThat(ScoringConfig.of(model, config.withChatTemplate(ChatTemplateSetting.none()), chat))
                .isEqualTo(untemplated);

        ScoringConfig withSystem = ScoringConfig.of(model, config.withSystemMessage("Be terse."), chat);
        assertThat(withSystem.systemMessage()).contains("Be terse.");
        assertThat(withSystem.hash()).isNotEqualTo(templated.hash());

        Path edited = work.resolve("edited.jinja");
        Files.writeString(edited, Files.readString(bosDir.resolve("chat_template.jinja")).replace("[USER]", "[U]"));
        ScoringConfig other = ScoringConfig.of(model, config.withChatTemplate(ChatTemplateSetting.file(edited)), chat);
        assertThat(other.chatTemplate()).isPresent().isNotEqualTo(templated.chatTemplate());
        assertThat(new ScorecardKey("m", model.fingerprint(), "s", chat.contentHash(), other).hash())
                .isNotEqualTo(new ScorecardKey("m", model.fingerprint(), "s", chat.contentHash(), templated).hash());
        assertThat(templated.differencesFrom(other)).singleElement().asString()
                .startsWith("chat template sha256:" + sha.substring(0, 12) + "… vs sha256:");
        assertThat(templated.differencesFrom(untemplated)).containsExactly("chat template sha256:"
                + sha.substring(0, 12) + "… vs none");
    }

    @Test
    void aScorecardKeepsTheTemplateHashAndEachRenderedPromptWhenWrittenAndRead() {
        Evaluator evaluator = Evaluator.of(load(bosDir, false), quiet().withSystemMessage("Be terse."));
        Scorecard card = evaluator.score(Suite.builder("s").add(loglikelihood("chat", true))
                .add(loglikelihood("plain", false)).build());
        ItemResult chat = card.item("chat").orElseThrow();
        assertThat(chat.prompt()).isEqualTo(QUESTION);
        assertThat(chat.renderedPrompt()).isEqualTo(evaluator.prompts().prompt(loglikelihood("chat", true)));
        assertThat(chat.templated()).isTrue();
        assertThat(card.item("plain").orElseThrow().templated()).isFalse();

        Path file = work.resolve("card.json");
        card.write(file);
        Scorecard read = Scorecard.read(file);
        assertThat(read.scoring()).isEqualTo(card.scoring());
        assertThat(read.scoring().chatTemplate()).isPresent();
        assertThat(read.scoring().systemMessage()).contains("Be terse.");
        assertThat(read.items()).isEqualTo(card.items());
    }

    @Test
    void theCanarySuiteRunsThroughTheModelsTemplateUnderAuto() throws IOException {
        CausalLm lm = load(bosDir, false);
        Suite canaries = Suite.canaries();
        assertThat(canaries.items()).allSatisfy(i -> assertThat(i.chat()).isTrue());
        Evaluator evaluator = Evaluator.of(lm, quiet().withBatchSize(8));
        Scorecard card = evaluator.score(canaries);
        assertThat(card.scoring().chatTemplate()).contains(ChatTemplate.load(bosDir).sha256());
        for (SuiteItem item : canaries.items()) {
            ItemResult r = card.item(item.id()).orElseThrow();
            assertThat(r.prompt()).isEqualTo(PromptFormat.text(item));
            assertThat(r.renderedPrompt()).isEqualTo(transformers(bosDir,
                    List.of(new ChatTemplate.Message("user", PromptFormat.text(item)))));
        }
        PromptFormat none = PromptFormat.of(lm, quiet().withChatTemplate(ChatTemplateSetting.none()));
        assertThat(none.prompt(canaries.items().get(0))).isEqualTo(PromptFormat.text(canaries.items().get(0)));
    }

    @Test
    void promptFormatReproducesEveryRequestOfAScoredSuite() {
        CausalLm lm = load(bosDir, true);
        EvalConfig config = quiet().withPromptTemplate("Answer briefly. {prompt}").withSystemMessage("Be terse.");
        Suite suite = Suite.builder("mixed")
                .chat(true)
                .generate("g-chat", "geo", QUESTION, " Paris", Check.contains("Paris"))
                .choice("c-chat", "geo", QUESTION, List.of("Paris", "Rome", "Lima"), 0)
                .add(loglikelihood("l-chat", true))
                .chat(false)
                .generate("g-plain", "geo", QUESTION, " Paris", Check.contains("Paris"))
                .choice("c-plain", "geo", QUESTION, List.of("Paris", "Rome", "Lima"), 0)
                .perplexity("p", "text", "The capital of France is Paris.")
                .build();
        Evaluator evaluator = Evaluator.of(lm, config);
        Scorecard card = evaluator.score(suite);
        PromptFormat format = PromptFormat.of(lm, config);
        for (SuiteItem item : suite.items()) {
            ItemResult r = card.item(item.id()).orElseThrow();
            if (item instanceof SuiteItem.Perplexity) {
                assertThat(format.loglikelihoodRequests(item)).isEmpty();
                assertThatThrownBy(() -> format.prompt(item)).hasMessageContaining("item p is a perplexity item");
                continue;
            }
            assertThat(r.renderedPrompt()).as(item.id()).isEqualTo(format.prompt(item));
            assertThat(r.renderedPrompt().startsWith(BOS + "<<SYS>>Be terse.")).as(item.id()).isEqualTo(item.chat());
            List<Loglikelihood> lls = evaluator.loglikelihood(format.loglikelihoodRequests(item));
            int scored = item instanceof SuiteItem.Choice c ? c.gold() : 0;
            // the same request, scored in another batch (another matrix shape): equal within float32 rounding
            Loglikelihood same = lls.get(scored);
            assertThat(r.logLikelihood()).as(item.id())
                    .isCloseTo(same.logLikelihood(), within(ReferenceParityTest.PER_TOKEN * same.tokens()));
            format.generationRequest(item).ifPresent(g ->
                    assertThat(evaluator.generate(List.of(g)).get(0).text()).as(item.id()).isEqualTo(r.output()));
        }
    }

    @Test
    void aTemplateThatRefusesTheConversationNamesTheItemTheTemplateAndTheSystemMessage() throws IOException {
        Path dir = withTemplate("gemma-like", "hw-system-bos.jinja");
        Files.writeString(dir.resolve("chat_template.jinja"), "{% if messages[0]['role'] == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ messages[0]['content'] }}");
        PromptFormat format = PromptFormat.of(CausalLm.describe(dir, ModelOptions.defaults()),
                quiet().withSystemMessage("Be terse."));
        assertThatThrownBy(() -> format.prompt(loglikelihood("geo-1", true)))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageStartingWith("item geo-1 (with the run's system message, which some templates refuse: unset "
                        + "it with EvalConfig.withSystemMessage(null), in JUnit retention.chatTemplate.system): "
                        + "chat template " + dir.resolve("chat_template.jinja").toAbsolutePath().normalize())
                .hasMessageEndingWith("raised an exception: System role not supported");
    }
}
