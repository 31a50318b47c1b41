package dev.retention.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.retention.fixtures.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every case of {@code chat-templates/reference.json} renders byte-identical to transformers, or fails with the
 * message the template passed to {@code raise_exception}.
 */
class ChatTemplateReferenceTest {

    private static final Gson GSON = new Gson();

    private static JsonObject reference() throws IOException {
        return JsonParser.parseString(Files.readString(Fixtures.chatTemplates().resolve("reference.json"),
                StandardCharsets.UTF_8)).getAsJsonObject();
    }

    @TestFactory
    Stream<DynamicTest> everyReferenceCaseRendersByteIdenticalToTransformers() throws IOException {
        JsonObject reference = reference();
        Clock clock = Clock.fixed(LocalDateTime.parse(reference.get("strftime_now").getAsString())
                .toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement t : reference.getAsJsonArray("templates")) {
            JsonObject template = t.getAsJsonObject();
            String name = template.get("name").getAsString();
            String source = Files.readString(Fixtures.chatTemplates().resolve(template.get("file").getAsString()),
                    StandardCharsets.UTF_8);
            ChatTemplate chat = ChatTemplate.of(source, name).withClock(clock);
            for (JsonElement c : template.getAsJsonArray("cases")) {
                JsonObject kase = c.getAsJsonObject();
                tests.add(DynamicTest.dynamicTest(name + " " + kase.get("name").getAsString(), () -> check(chat, kase)));
            }
        }
        assertThat(tests).hasSizeGreaterThan(1000);
        return tests.stream();
    }

    private static void check(ChatTemplate chat, JsonObject kase) {
        List<ChatTemplate.Message> messages = new ArrayList<>();
        for (JsonElement m : kase.getAsJsonArray("messages")) {
            messages.add(new ChatTemplate.Message(m.getAsJsonObject().get("role").getAsString(),
                    m.getAsJsonObject().get("content").getAsString()));
        }
        boolean gen = kase.get("add_generation_prompt").getAsBoolean();
        Map<String, Object> variables = variables(kase.getAsJsonObject("variables"));
        if (kase.has("error")) {
            String error = kase.get("error").getAsString();
            assertThatThrownBy(() -> chat.render(messages, gen, variables))
                    .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                        assertThat(e.raisedMessage()).contains(error);
                        assertThat(e.getMessage()).contains(chat.name()).contains(error);
                    });
        } else {
            assertThat(chat.render(messages, gen, variables)).isEqualTo(kase.get("expected").getAsString());
        }
    }

    /** JSON to plain Java values: whole numbers as Long, others as Double (as Python's json gives int/float). */
    static Map<String, Object> variables(JsonObject json) {
        Map<String, Object> out = new LinkedHashMap<>();
        json.entrySet().forEach(e -> out.put(e.getKey(), plain(e.getValue())));
        return out;
    }

    private static Object plain(JsonElement e) {
        if (e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(x -> m.put(x.getKey(), plain(x.getValue())));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            for (JsonElement x : (JsonArray) e) {
                l.add(plain(x));
            }
            return l;
        }
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            String s = p.getAsString();
            return s.contains(".") || s.contains("e") || s.contains("E") ? (Object) p.getAsDouble() : (Object) p.getAsLong();
        }
        return p.getAsString();
    }

    @Test
    void referenceRecordsTheTransformersAndJinja2VersionsOfItsTruth() throws IOException {
        JsonObject generator = reference().getAsJsonObject("generator");
        assertThat(GSON.toJson(generator)).contains("\"transformers\":\"5.24.0\"", "\"jinja2\":\"3.1.6\"");
    }

    @Test
    void everyTemplateFileIsListedInTheReference() throws IOException {
        List<String> listed = new ArrayList<>();
        reference().getAsJsonArray("templates")
                .forEach(t -> listed.add(t.getAsJsonObject().get("file").getAsString()));
        try (Stream<Path> files = Files.list(Fixtures.chatTemplates().resolve("templates"))) {
            assertThat(files.map(p -> "templates/" + p.getFileName())).containsExactlyInAnyOrderElementsOf(listed);
        }
    }
}
