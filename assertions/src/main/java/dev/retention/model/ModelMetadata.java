package dev.retention.model;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import dev.retention.model.internal.SpecialTokens;

/**
 * What Retention reads from a model directory's JSON files: the tokenizer's vocabulary size and
 * special tokens, the context window and the vocabulary size the model declares.
 *
 * <p>Special tokens come from {@code tokenizer_config.json} ({@code bos_token}, {@code eos_token},
 * {@code pad_token}, as strings or {@code {"content": ...}} objects, mapped to ids through
 * tokenizer.json), then from {@code generation_config.json} / {@code config.json}
 * ({@code bos_token_id}, {@code eos_token_id} as an int or a list, {@code pad_token_id}). The context
 * window comes from config.json ({@code max_position_embeddings}, {@code n_positions},
 * {@code n_ctx}, {@code max_sequence_length}, {@code seq_length}), else from
 * tokenizer_config.json's {@code model_max_length} when it is a real limit (HF writes 1e30 for none).
 */
record ModelMetadata(int tokenizerVocabSize, SpecialTokens specialTokens, OptionalInt contextLength,
                     OptionalInt declaredVocabSize) {

    private static final String[] CONTEXT_KEYS =
            {"max_position_embeddings", "n_positions", "n_ctx", "max_sequence_length", "seq_length"};

    static ModelMetadata read(ModelFiles files) {
        Map<String, Integer> tokenIds = new HashMap<>();
        int vocab = readTokenizerJson(files.tokenizerJson(), tokenIds);
        Optional<JsonObject> tokCfg = files.tokenizerConfig().map(ModelMetadata::object);
        Optional<JsonObject> cfg = files.config().map(ModelMetadata::object);
        Optional<JsonObject> genCfg = files.generationConfig().map(ModelMetadata::object);

        OptionalInt bos = tokenId(tokCfg, "bos_token", tokenIds, files);
        if (bos.isEmpty()) {
            bos = firstInt(genCfg, "bos_token_id").isPresent() ? firstInt(genCfg, "bos_token_id")
                    : firstInt(cfg, "bos_token_id");
        }
        Set<Integer> eos = new LinkedHashSet<>();
        tokenId(tokCfg, "eos_token", tokenIds, files).ifPresent(eos::add);
        eos.addAll(allInts(genCfg, "eos_token_id"));
        if (eos.isEmpty()) {
            eos.addAll(allInts(cfg, "eos_token_id"));
        }
        OptionalInt pad = tokenId(tokCfg, "pad_token", tokenIds, files);
        if (pad.isEmpty()) {
            pad = firstInt(genCfg, "pad_token_id").isPresent() ? firstInt(genCfg, "pad_token_id")
                    : firstInt(cfg, "pad_token_id");
        }

        OptionalInt ctx = OptionalInt.empty();
        for (String k : CONTEXT_KEYS) {
            ctx = firstInt(cfg, k);
            if (ctx.isPresent()) {
                break;
            }
        }
        if (ctx.isEmpty() && tokCfg.isPresent() && tokCfg.get().has("model_max_length")) {
            double m = tokCfg.get().get("model_max_length").getAsDouble();
            if (m > 1 && m < 10_000_000) {
                ctx = OptionalInt.of((int) m);
            }
        }
        return new ModelMetadata(vocab, new SpecialTokens(bos, eos, pad), ctx, firstInt(cfg, "vocab_size"));
    }

    /** Reads token ids of the vocabulary and added tokens; returns the vocabulary size (max id + 1). */
    private static int readTokenizerJson(Path path, Map<String, Integer> ids) {
        JsonObject root = object(path);
        int max = -1;
        JsonElement model = root.get("model");
        if (model != null && model.isJsonObject() && model.getAsJsonObject().has("vocab")) {
            JsonElement vocab = model.getAsJsonObject().get("vocab");
            if (vocab.isJsonObject()) {
                for (Map.Entry<String, JsonElement> e : vocab.getAsJsonObject().entrySet()) {
                    int id = e.getValue().getAsInt();
                    ids.put(e.getKey(), id);
                    max = Math.max(max, id);
                }
            } else if (vocab.isJsonArray()) { // Unigram: [[piece, score], ...], id = index
                for (int i = 0; i < vocab.getAsJsonArray().size(); i++) {
                    ids.put(vocab.getAsJsonArray().get(i).getAsJsonArray().get(0).getAsString(), i);
                }
                max = Math.max(max, vocab.getAsJsonArray().size() - 1);
            }
        }
        JsonElement added = root.get("added_tokens");
        if (added != null && added.isJsonArray()) {
            for (JsonElement t : added.getAsJsonArray()) {
                JsonObject o = t.getAsJsonObject();
                int id = o.get("id").getAsInt();
                ids.put(o.get("content").getAsString(), id);
                max = Math.max(max, id);
            }
        }
        if (max < 0) {
            throw new ModelLoadException(path, "no vocabulary found (expected model.vocab or added_tokens)");
        }
        return max + 1;
    }

    private static OptionalInt tokenId(Optional<JsonObject> cfg, String key, Map<String, Integer> ids,
                                       ModelFiles files) {
        if (cfg.isEmpty() || !cfg.get().has(key) || cfg.get().get(key).isJsonNull()) {
            return OptionalInt.empty();
        }
        JsonElement v = cfg.get().get(key);
        String content = v.isJsonObject() ? v.getAsJsonObject().get("content").getAsString() : v.getAsString();
        Integer id = ids.get(content);
        if (id == null) {
            throw new ModelLoadException(files.tokenizerConfig().orElseThrow(), key + " '" + content
                    + "' is not a token of tokenizer.json");
        }
        return OptionalInt.of(id);
    }

    private static OptionalInt firstInt(Optional<JsonObject> cfg, String key) {
        Set<Integer> all = allInts(cfg, key);
        return all.isEmpty() ? OptionalInt.empty() : OptionalInt.of(all.iterator().next());
    }

    private static Set<Integer> allInts(Optional<JsonObject> cfg, String key) {
        Set<Integer> out = new LinkedHashSet<>();
        if (cfg.isPresent() && cfg.get().has(key)) {
            JsonElement v = cfg.get().get(key);
            if (v.isJsonArray()) {
                v.getAsJsonArray().forEach(e -> out.add(e.getAsInt()));
            } else if (v.isJsonPrimitive()) {
                out.add(v.getAsInt());
            }
        }
        return out;
    }

    private static JsonObject object(Path path) {
        try (Reader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw new ModelLoadException(path, "expected a JSON object");
            }
            return e.getAsJsonObject();
        } catch (IOException e) {
            throw new ModelLoadException(path, "cannot read: " + e.getMessage(), e);
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelLoadException(path, "malformed JSON: " + e.getMessage(), e);
        }
    }
}
