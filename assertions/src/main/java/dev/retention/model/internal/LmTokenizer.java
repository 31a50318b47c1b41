package dev.retention.model.internal;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.apiguardian.api.API;

import java.io.IOException;
import java.nio.file.Path;
import dev.retention.model.CausalLm;
import dev.retention.model.ChatTemplate;
import dev.retention.model.ModelLoadException;
import dev.retention.model.ModelOptions;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * A Hugging Face {@code tokenizer.json} loaded from disk (never from the hub) with truncation and
 * padding off, so whole texts are encoded; special tokens are not added (lm-evaluation-harness
 * causal-LM default), except BOS when {@link ModelOptions#addBosToken()} asks for it, and then never a second
 * time: a text whose encoding already begins with the BOS token (a chat template that writes
 * {@code {{ bos_token }}}, say) gets no other (see {@link ChatTemplate}, "The BOS trap").
 * Thread-safe for concurrent encode/decode.
 *
 * <p>Each {@link CausalLm} owns one and closes it; Retention's own packages reach it through
 * {@link CausalLm#tokenizer()}.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class LmTokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer hf;
    private final int vocabSize;
    private final SpecialTokens special;
    private final boolean addBos;

    private final Path file;
    private volatile boolean closed;

    private LmTokenizer(Path file, HuggingFaceTokenizer hf, int vocabSize, SpecialTokens special, boolean addBos) {
        this.file = file;
        this.hf = hf;
        this.vocabSize = vocabSize;
        this.special = special;
        this.addBos = addBos;
    }

    /**
     * Loads a model's tokenizer.
     *
     * @param tokenizerJson the model's {@code tokenizer.json}
     * @param vocabSize the model's vocabulary size, which {@link #vocabSize()} reports
     * @param special the model's special tokens
     * @param addBos whether encoding prepends the BOS token
     * @return the tokenizer; the caller closes it
     * @throws dev.retention.model.ModelLoadException naming the file when the tokenizer cannot be loaded, or
     *     {@code addBos} is set but the model declares no BOS token
     */
    public static LmTokenizer load(Path tokenizerJson, int vocabSize, SpecialTokens special, boolean addBos) {
        try {
            HuggingFaceTokenizer hf = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(tokenizerJson)
                    .optAddSpecialTokens(false)
                    .optTruncation(false)
                    .optPadding(false)
                    .build();
            if (addBos && special.bos().isEmpty()) {
                hf.close();
                throw new ModelLoadException(tokenizerJson, "addBosToken is set but the model declares no BOS token");
            }
            return new LmTokenizer(tokenizerJson, hf, vocabSize, special, addBos);
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelLoadException mle) {
                throw mle;
            }
            throw new ModelLoadException(tokenizerJson, "the Hugging Face tokenizer cannot load it: " + e.getMessage(), e);
        }
    }

    /**
     * Token ids of {@code text}, untruncated; with BOS first when the model options add it and the text does not
     * already begin with it.
     *
     * @param text the text to encode, whole; the empty text encodes to nothing (or to BOS alone when BOS is added)
     * @return a new array of token ids
     * @throws ArithmeticException if the tokenizer returns an id beyond the {@code int} range
     * @throws IllegalStateException naming the file when the tokenizer (with its model) was closed
     */
    public int[] encode(String text) {
        checkOpen();
        if (text.isEmpty()) {
            return addBos ? new int[] {special.bos().getAsInt()} : new int[0];
        }
        Encoding enc = hf.encode(text, false, false);
        long[] ids = enc.getIds();
        boolean prepend = addBos && !(ids.length > 0 && ids[0] == special.bos().getAsInt());
        int off = prepend ? 1 : 0;
        int[] out = new int[ids.length + off];
        if (prepend) {
            out[0] = special.bos().getAsInt();
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + off] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Text of {@code ids}, special tokens skipped.
     *
     * @param ids token ids of this tokenizer
     * @return the decoded text, as the Hugging Face tokenizer writes it (an incomplete UTF-8 sequence at the end
     *     shows as U+FFFD)
     * @throws IllegalStateException naming the file when the tokenizer (with its model) was closed
     */
    public String decode(int[] ids) {
        checkOpen();
        long[] l = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            l[i] = ids[i];
        }
        return hf.decode(l, true);
    }

    /**
     * Number of ids the tokenizer can produce (highest id + 1).
     *
     * @return the vocabulary size read from the tokenizer files; the model's logits are at least this wide
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The special token ids the model's tokenizer files declare.
     *
     * @return BOS, EOS and padding ids, as read when the model was loaded
     */
    public SpecialTokens specialTokens() {
        return special;
    }

    /** Frees the native Hugging Face tokenizer; encoding or decoding afterwards fails naming the file. */
    @Override
    public void close() {
        closed = true;
        hf.close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the tokenizer " + file + " is closed: its model was closed");
        }
    }
}
