package dev.retention.model;

import dev.retention.fixtures.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unusable model directories are refused with the file and the reason, and the JVM lives on. */
class ModelRefusalTest {

    @TempDir
    Path dir;

    @Test
    void bfloat16WeightsAreRefusedBeforeTheyCanAbortTheJvm() {
        Path bf16 = Fixtures.broken("bf16");
        assertThatThrownBy(() -> CausalLm.load(bf16))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage(bf16.resolve("model.pt").toAbsolutePath().normalize() + ": holds bfloat16 tensors, which "
                        + "DJL's PyTorch engine cannot handle (it aborts the JVM); re-export in float32 or float16, e.g. "
                        + "model.float() before tracing");
        try (CausalLm fine = CausalLm.load(Fixtures.model("base"))) {
            assertThat(fine.vocabSize()).as("the JVM and engine still work").isEqualTo(640);
        }
    }

    @Test
    void logitsOverAnotherVocabularyAreRefused() {
        assertThatThrownBy(() -> CausalLm.load(Fixtures.broken("vocab-mismatch")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageEndingWith("the model's logits cover 300 token ids but tokenizer.json has 640; the tokenizer "
                        + "does not belong to this model");
    }

    @Test
    void aFileThatIsNotTorchScriptIsRefused() throws IOException {
        copyTokenizer();
        Files.writeString(dir.resolve("model.pt"), "not a model");
        assertThatThrownBy(() -> CausalLm.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageStartingWith(dir.resolve("model.pt") + ": not a TorchScript archive (not a zip file");
    }

    @Test
    void aTorchSaveCheckpointIsRefusedWithTheExportAdvice() throws IOException {
        copyTokenizer();
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("model.pt")))) {
            zip.putNextEntry(new ZipEntry("archive/data.pkl"));
            zip.write("\u0080\u0002ctorch\nFloatStorage\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            zip.closeEntry();
        }
        assertThatThrownBy(() -> CausalLm.load(dir))
                .hasMessageContaining("a torch.save checkpoint or state_dict, not TorchScript")
                .hasMessageContaining("torch.jit.trace");
    }

    @Test
    void aFlippedByteInsideATensorIsALoadErrorNotAScore() throws IOException {
        Path base = Fixtures.torchscript("base");
        for (String f : new String[] {"model.pt", "tokenizer.json", "tokenizer_config.json", "config.json"}) {
            Files.copy(base.resolve(f), dir.resolve(f));
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("model.pt"));
        String entry;
        long offset;
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(dir.resolve("model.pt").toFile())) {
            java.util.zip.ZipEntry data = zip.stream().filter(e -> e.getName().contains("/data/") && e.getSize() > 1000)
                    .findFirst().orElseThrow();
            entry = data.getName();
            offset = localDataOffset(bytes, entry);
        }
        bytes[(int) offset + 100] ^= 0x10; // one bit of one weight
        Files.write(dir.resolve("model.pt"), bytes);
        assertThatThrownBy(() -> CausalLm.load(dir))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("entry '" + entry + "' is corrupt: its bytes have CRC-32");
    }

    /** Where the stored bytes of {@code entry} start: after its local header (30 bytes + name + extra). */
    private static long localDataOffset(byte[] zip, String entry) {
        byte[] name = entry.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i + 30 + name.length < zip.length; i++) {
            if (zip[i] == 0x50 && zip[i + 1] == 0x4b && zip[i + 2] == 3 && zip[i + 3] == 4) {
                int nameLen = (zip[i + 26] & 0xff) | (zip[i + 27] & 0xff) << 8;
                int extraLen = (zip[i + 28] & 0xff) | (zip[i + 29] & 0xff) << 8;
                if (nameLen == name.length && java.util.Arrays.equals(zip, i + 30, i + 30 + nameLen, name, 0, nameLen)) {
                    return i + 30L + nameLen + extraLen;
                }
            }
        }
        throw new AssertionError("no local header for " + entry);
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        assertThatThrownBy(() -> CausalLm.load(dir.resolve("nowhere"))).hasMessageEndingWith("model directory does not exist");
        assertThatThrownBy(() -> CausalLm.load(dir)).hasMessageContaining("tokenizer.json is missing");
        copyTokenizer();
        assertThatThrownBy(() -> CausalLm.load(dir)).hasMessageContaining("no weights: expected model.safetensors")
                .hasMessageContaining("or a legacy TorchScript model.pt");
    }

    @Test
    void anUndeclaredContextWindowMustBeGiven() throws IOException {
        Path base = Fixtures.torchscript("base");
        for (String f : new String[] {"model.pt", "tokenizer.json"}) {
            Files.copy(base.resolve(f), dir.resolve(f));
        }
        assertThatThrownBy(() -> CausalLm.load(dir)).hasMessageContaining("cannot tell the context window");
        try (CausalLm lm = CausalLm.load(dir, ModelOptions.defaults().withContextLength(64))) {
            assertThat(lm.contextLength()).isEqualTo(64);
            assertThat(lm.specialTokens().eos()).as("no tokenizer_config.json: no special tokens declared").isEmpty();
        }
    }

    private void copyTokenizer() throws IOException {
        try (OutputStream out = Files.newOutputStream(dir.resolve("tokenizer.json"))) {
            Files.copy(Fixtures.model("base").resolve("tokenizer.json"), out);
        }
    }
}
