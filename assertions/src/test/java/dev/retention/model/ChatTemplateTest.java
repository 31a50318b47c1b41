package dev.retention.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChatTemplateTest {

    private static final List<ChatTemplate.Message> HELLO = List.of(new ChatTemplate.Message("user", "Hello"));

    @TempDir
    Path dir;

    private static String render(String source) {
        return ChatTemplate.of(source, "test.jinja").render(HELLO, false, Map.of());
    }

    private void write(String file, String text) throws IOException {
        Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
    }

    @Test
    void chatTemplateJinjaWinsOverTokenizerConfigAndItsLineBreaksAreNormalized() throws IOException {
        write("chat_template.jinja", "{% for m in messages %}\r\n[{{ m.content }}]\r\n{% endfor %}");
        write("tokenizer_config.json", "{\"chat_template\": \"from config\"}");
        ChatTemplate t = ChatTemplate.from(dir).orElseThrow();
        assertThat(t.name()).endsWith("chat_template.jinja");
        assertThat(t.render(HELLO, false, Map.of())).isEqualTo("[Hello]\n");
    }

    @Test
    void tokenizerConfigStringTemplateIsRead() throws IOException {
        write("tokenizer_config.json", "{\"bos_token\": \"<s>\", \"chat_template\": \"{{ bos_token }}{{ messages[0].content }}\"}");
        ChatTemplate t = ChatTemplate.from(dir).orElseThrow();
        assertThat(t.render(HELLO, false, Map.of("bos_token", "<s>"))).isEqualTo("<s>Hello");
        assertThat(t.name()).contains("tokenizer_config.json");
    }

    @Test
    void theDefaultOfAListOfNamedTemplatesIsTaken() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"tools\"},"
                + " {\"name\": \"default\", \"template\": \"plain {{ messages|length }}\"}]}");
        assertThat(ChatTemplate.from(dir).orElseThrow().render(HELLO, false, Map.of())).isEqualTo("plain 1");
    }

    @Test
    void aListWithoutDefaultIsRefusedNamingTheFileAndTheTemplates() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"}]}");
        assertThatThrownBy(() -> ChatTemplate.from(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer_config.json")
                .hasMessageContaining("[tool_use]")
                .hasMessageContaining("'default'");
    }

    @Test
    void malformedTokenizerConfigIsRefused() throws IOException {
        write("tokenizer_config.json", "{\"chat_template\": ");
        assertThatThrownBy(() -> ChatTemplate.from(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("tokenizer_config.json");
        write("tokenizer_config.json", "{\"chat_template\": 42}");
        assertThatThrownBy(() -> ChatTemplate.from(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("must be a string or a list");
    }

    @Test
    void aModelWithoutChatTemplateHasNone() throws IOException {
        assertThat(ChatTemplate.from(dir)).isEmpty();
        write("tokenizer_config.json", "{\"eos_token\": \"</s>\"}");
        assertThat(ChatTemplate.from(dir)).isEmpty();
    }

    @Test
    void raiseExceptionBecomesAnExceptionNamingTheTemplateAndTheMessage() {
        ChatTemplate t = ChatTemplate.of("{% if messages[0].role != 'system' %}{{ raise_exception('System first, got '"
                + " ~ messages[0].role) }}{% endif %}ok", "strict.jinja");
        assertThatThrownBy(() -> t.render(HELLO, true, Map.of()))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.templateName()).isEqualTo("strict.jinja");
                    assertThat(e.raisedMessage()).contains("System first, got user");
                    assertThat(e.getMessage()).contains("strict.jinja", "System first, got user");
                });
    }

    @Test
    void renderingErrorsFailNamingTheTemplateInsteadOfReturningPartialOutput() {
        assertThatThrownBy(() -> render("a{% if %}b"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("test.jinja")
                .hasMessageContaining("if");
        assertThatThrownBy(() -> render("a{% for m in messages %}b"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("endfor");
        assertThatThrownBy(() -> render("a{{ messages | no_such_filter }}b"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("No filter named 'no_such_filter'");
        assertThatThrownBy(() -> render("a{% if messages is no_such_test %}{% endif %}b"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("No test named 'no_such_test'");
        assertThatThrownBy(() -> render("a{{ messages[0].content.no_such_method() }}b"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("'str' object has no attribute 'no_such_method'");
        assertThatThrownBy(() -> render("{{ no_such_function(1) }}"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("no_such_function");
        assertThatThrownBy(() -> render("{{ messages[0].content.split('') }}"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("empty separator");
    }

    @Test
    void javaMethodsAreOutOfReachAsInTheImmutableSandbox() {
        assertThatThrownBy(() -> render("{{ messages.getClass() }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("getClass");
        assertThatThrownBy(() -> render("{{ messages[0].content.getBytes() }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("getBytes");
        assertThatThrownBy(() -> render("{{ messages[0].getClass().getName() }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("getClass");
        assertThatThrownBy(() -> render("{{ messages.append(1) }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("unsafe");
        assertThatThrownBy(() -> render("{% include 'other.jinja' %}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("cannot load other templates");
        // Java's String.split is a regex; Python's is literal
        assertThat(render("{{ 'a.b.c'.split('.') | join('|') }}")).isEqualTo("a|b|c");
    }

    @Test
    void messageContentIsTextNeverTemplateCode() {
        ChatTemplate t = ChatTemplate.of("{{ messages[0].content }}", "echo.jinja");
        String content = "{{ 7 * 7 }} {% if true %}x{% endif %}";
        assertThat(t.render(List.of(new ChatTemplate.Message("user", content)), false, Map.of())).isEqualTo(content);
    }

    @Test
    void strftimeNowFormatsTheClockLikePythonsStrftime() {
        Clock clock = Clock.fixed(LocalDateTime.of(2031, 12, 4, 9, 5, 7).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        ChatTemplate t = ChatTemplate.of("{{ strftime_now('%d %b %Y|%B %-d, %Y|%A %H:%M:%S %p %j %%') }}"
                + "{% if strftime_now is defined %} defined{% endif %}", "date.jinja").withClock(clock);
        assertThat(t.render(HELLO, false, Map.of())).isEqualTo("04 Dec 2031|December 4, 2031|Thursday 09:05:07 AM 338 % defined");
    }

    @Test
    void variablesCannotRedefineWhatRenderSets() {
        ChatTemplate t = ChatTemplate.of("x", "x.jinja");
        assertThatThrownBy(() -> t.render(HELLO, false, Map.of("messages", List.of())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messages")
                .hasMessageContaining("x.jinja");
    }

    @Test
    void lstripBlocksStripsOnlyWhitespaceThatStartsTheLine() {
        // Jinja2 (transformers 5.24.0 renders exactly this): indentation before a block tag goes, a space after
        // text on the same line stays, trim_blocks eats the newline after each tag, one final newline is dropped
        assertThat(render("a {% if true %}b{% endif %}\n    {% if true %}\nc\n    {% endif %}\nd\n"))
                .isEqualTo("a bc\nd");
    }

    @Test
    void aBracketClosingInsideAnExpressionDoesNotEndIt() {
        assertThat(render("{{ {'a': {'b': 1}} | tojson }}")).isEqualTo("{\"a\": {\"b\": 1}}");
    }

    @Test
    void startsWithBosDetectsATemplateThatWroteTheBosToken() {
        ChatTemplate t = ChatTemplate.of("{{ bos_token }}{{ messages[0].content }}", "bos.jinja");
        String rendered = t.render(HELLO, false, Map.of("bos_token", "<s>"));
        assertThat(ChatTemplate.startsWithBos(rendered, "<s>")).isTrue();
        assertThat(ChatTemplate.startsWithBos("Hello", "<s>")).isFalse();
        assertThat(ChatTemplate.startsWithBos(rendered, null)).isFalse();
        assertThat(ChatTemplate.startsWithBos(rendered, "")).isFalse();
    }
}
