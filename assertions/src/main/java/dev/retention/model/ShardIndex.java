package dev.retention.model;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code model.safetensors.index.json}: its {@code weight_map} from tensor name to shard file
 * name. Shard names must stay inside the model directory (no absolute paths, no {@code ..}); the
 * check is on the name only, so shards that are symbolic links (as in the Hugging Face cache) work.
 */
final class ShardIndex {

    private static final long MAX_INDEX_BYTES = 100_000_000L;

    private ShardIndex() {
    }

    /** The weight map in file order. */
    static Map<String, String> read(Path index) {
        try {
            if (Files.size(index) > MAX_INDEX_BYTES) {
                throw new ModelLoadException(index, "larger than " + MAX_INDEX_BYTES + " bytes; not a shard index");
            }
        } catch (IOException e) {
            throw new ModelLoadException(index, "cannot read: " + e.getMessage(), e);
        }
        Map<String, String> weightMap = null;
        try (Reader in = new InputStreamReader(Files.newInputStream(index), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT));
             JsonReader r = new JsonReader(in)) {
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new ModelLoadException(index, "not a JSON object; expected {\"metadata\": ..., \"weight_map\": "
                        + "{tensor: shard file}}");
            }
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (key.equals("weight_map")) {
                    if (weightMap != null) {
                        throw new ModelLoadException(index, "has two weight_map entries");
                    }
                    weightMap = readWeightMap(index, r);
                } else {
                    r.skipValue();
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new ModelLoadException(index, "has more JSON after its object");
            }
        } catch (IOException e) {
            throw new ModelLoadException(index, "not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (weightMap == null) {
            throw new ModelLoadException(index, "has no weight_map (the map from tensor name to shard file)");
        }
        if (weightMap.isEmpty()) {
            throw new ModelLoadException(index, "has an empty weight_map; it names no tensors");
        }
        return weightMap;
    }

    private static Map<String, String> readWeightMap(Path index, JsonReader r) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) {
            throw new ModelLoadException(index, "weight_map is not an object of tensor name to shard file name");
        }
        Map<String, String> map = new LinkedHashMap<>();
        r.beginObject();
        while (r.hasNext()) {
            String tensor = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw new ModelLoadException(index, "weight_map entry for tensor '" + tensor
                        + "' is not a shard file name (a string)");
            }
            String shard = r.nextString();
            checkShardName(index, tensor, shard);
            String before = map.put(tensor, shard);
            if (before != null) {
                throw new ModelLoadException(index, "weight_map lists tensor '" + tensor + "' twice (" + before
                        + " and " + shard + "); it is listed in two places");
            }
        }
        r.endObject();
        return map;
    }

    private static void checkShardName(Path index, String tensor, String shard) {
        String why = null;
        if (shard.isEmpty()) {
            why = "is empty";
        } else if (shard.startsWith("/") || shard.startsWith("\\") || shard.matches("^[A-Za-z]:.*")) {
            why = "is an absolute path";
        } else if (shard.contains("\\")) {
            why = "contains a backslash";
        } else if (shard.indexOf('\0') >= 0) {
            why = "contains a NUL character";
        } else {
            for (String part : shard.split("/")) {
                if (part.equals("..")) {
                    why = "climbs out with '..'";
                    break;
                }
            }
        }
        if (why != null) {
            throw new ModelLoadException(index, "weight_map puts tensor '" + tensor + "' in shard file '" + shard
                    + "', which " + why + "; shard files must lie in the model directory, named relative to it");
        }
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        int nl = m.indexOf('\n');
        return (nl >= 0 ? m.substring(0, nl) : m)
                .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON");
    }
}
