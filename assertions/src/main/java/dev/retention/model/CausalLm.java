package dev.retention.model;

import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A TorchScript causal language model and its Hugging Face tokenizer, loaded through DJL's PyTorch
 * engine, fully offline.
 *
 * <p>The TorchScript module must take {@code (input_ids, attention_mask)}, both int64
 * {@code [batch, tokens]}, and return logits {@code [batch, tokens, vocab]}, either bare or as the
 * first element of a tuple (what Hugging Face {@code torchscript=True} traces return). Weights may
 * be float32 or float16; bfloat16 is refused before loading, because it aborts the JVM in DJL.
 *
 * <p>Batches are right-padded and masked; each call runs under its own NDArray sub-manager, so no
 * array outlives the call. Calls on one instance are serialised (DJL predictors are not
 * thread-safe); load one instance per device for parallel work.
 */
public final class CausalLm implements AutoCloseable {

    private final ModelFiles files;
    private final String name;
    private final String device;
    private final int contextLength;
    private int vocabSize; // set once in load(), before the instance escapes
    private final String fingerprint;
    private final Set<String> weightDtypes;
    private final boolean addBosToken;
    private final String tokenizerFingerprint;
    private final LmTokenizer tokenizer;
    private final ZooModel<NDList, NDList> model;
    private final Predictor<NDList, NDList> predictor;
    private final Object lock = new Object();
    private boolean closed;

    private CausalLm(ModelFiles files, String device, int contextLength, String fingerprint, Set<String> dtypes,
                     LmTokenizer tokenizer, ZooModel<NDList, NDList> model, boolean addBosToken) {
        this.files = files;
        this.name = files.directory().getFileName().toString();
        this.device = device;
        this.contextLength = contextLength;
        this.fingerprint = fingerprint;
        this.weightDtypes = Set.copyOf(dtypes);
        this.addBosToken = addBosToken;
        this.tokenizerFingerprint = Fingerprint.of(List.of(files.tokenizerJson()));
        this.tokenizer = tokenizer;
        this.model = model;
        this.predictor = model.newPredictor();
    }

    /** Loads {@code dir} with {@link ModelOptions#defaults()}. */
    public static CausalLm load(Path dir) {
        return load(dir, ModelOptions.defaults());
    }

    /**
     * Loads a model directory: a TorchScript file ({@code model.pt}, or the only {@code *.pt}),
     * {@code tokenizer.json}, and optionally {@code tokenizer_config.json}, {@code config.json} and
     * {@code generation_config.json} for special tokens and the context window.
     *
     * @throws ModelLoadException naming the file at fault when the directory cannot be used
     */
    public static CausalLm load(Path dir, ModelOptions options) {
        ModelFiles files = ModelFiles.in(dir);
        Set<String> dtypes = TorchScriptArchive.checkLoadable(files.torchScript());
        ModelMetadata meta = ModelMetadata.read(files);
        int ctx = contextLength(files, meta, options);
        String device = Devices.resolve(options.device());
        String fingerprint = Fingerprint.of(files.fingerprinted());
        LmTokenizer tokenizer = LmTokenizer.load(files.tokenizerJson(), meta.tokenizerVocabSize(),
                meta.specialTokens(), options.addBosToken());
        ZooModel<NDList, NDList> zoo;
        try {
            zoo = files.loadTorchScript(device, false, "DJL's PyTorch engine cannot load it");
        } catch (ModelLoadException e) {
            tokenizer.close();
            throw e;
        }
        CausalLm lm = new CausalLm(files, device, ctx, fingerprint, dtypes, tokenizer, zoo, options.addBosToken());
        try {
            lm.vocabSize = lm.probeVocab(meta);
            return lm;
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /**
     * Describes a model directory without loading it (no native code runs): its fingerprint and the
     * context window scoring would use. Fails like {@link #load} on missing or malformed files.
     */
    public static ModelDescriptor describe(Path dir, ModelOptions options) {
        ModelFiles files = ModelFiles.in(dir);
        ModelMetadata meta = ModelMetadata.read(files);
        return new ModelDescriptor(files.directory().getFileName().toString(), files.directory(),
                Fingerprint.of(files.fingerprinted()), contextLength(files, meta, options), options.addBosToken());
    }

    private static int contextLength(ModelFiles files, ModelMetadata meta, ModelOptions options) {
        if (options.contextLength().isPresent()) {
            return options.contextLength().getAsInt();
        }
        return meta.contextLength().orElseThrow(() -> new ModelLoadException(files.directory(),
                "cannot tell the context window: config.json has none of max_position_embeddings, n_positions, "
                        + "n_ctx and tokenizer_config.json has no model_max_length; set it with "
                        + "ModelOptions.withContextLength(n)"));
    }

    /** Runs two tokens through the model and checks the logits' rank, dtype and vocabulary. */
    private int probeVocab(ModelMetadata meta) {
        int tok = tokenizer.specialTokens().padOrDefault();
        int v;
        synchronized (lock) {
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray logits = forward(m, new long[] {tok, tok}, new long[] {1, 1}, 1, 2);
                v = (int) logits.getShape().get(2);
            }
        }
        int tv = tokenizer.vocabSize();
        boolean declaredPadding = meta.declaredVocabSize().isPresent() && meta.declaredVocabSize().getAsInt() == v;
        if (v < tv || (v > tv && !declaredPadding)) {
            throw new ModelLoadException(files.torchScript(), "the model's logits cover " + v
                    + " token ids but tokenizer.json has " + tv + (v > tv
                    ? " (a larger, padded output is accepted only when config.json declares vocab_size " + v + ")"
                    : "") + "; the tokenizer does not belong to this model");
        }
        return v;
    }

    /**
     * Log-probabilities of target tokens, one result per row, in one forward pass.
     *
     * <p>All rows are right-padded to the longest and masked. For row {@code r}, target {@code j} is
     * scored at input position {@code r.firstTarget() + j}: the log-softmax of the logits there, at
     * {@code r.targets()[j]}, plus whether that target is the argmax (first maximum on ties).
     */
    public List<TokenScores> score(List<ScoreRow> rows) {
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.input().length).max().orElse(0);
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        int n = rows.stream().mapToInt(r -> r.targets().length).sum();
        long[] flatPositions = new long[n];
        long[] targets = new long[n];
        fill(rows.stream().map(ScoreRow::input).toList(), t, ids, mask);
        int k = 0;
        for (int i = 0; i < b; i++) {
            ScoreRow r = rows.get(i);
            checkRow(r);
            for (int j = 0; j < r.targets().length; j++) {
                flatPositions[k] = (long) i * t + r.firstTarget() + j;
                targets[k++] = r.targets()[j];
            }
        }
        float[] logProbs;
        long[] argmax;
        synchronized (lock) {
            ensureOpen();
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray logits = forward(m, ids, mask, b, t);
                NDArray picked = logits.reshape(b * (long) t, vocabSize).get(m.create(flatPositions));
                NDArray logp = picked.logSoftmax(1);
                logProbs = logp.gather(m.create(targets, new Shape(n, 1)), 1).toFloatArray();
                argmax = picked.argMax(1).toLongArray();
            }
        }
        List<TokenScores> out = new ArrayList<>(b);
        k = 0;
        for (ScoreRow r : rows) {
            int len = r.targets().length;
            double[] lp = new double[len];
            int[] am = new int[len];
            for (int j = 0; j < len; j++, k++) {
                lp[j] = logProbs[k];
                am[j] = (int) argmax[k];
            }
            out.add(new TokenScores(lp, am, r.targets()));
        }
        return out;
    }

    /**
     * Compares this model's (the reference p) next-token distributions with {@code other}'s (q) at
     * every target position of {@code rows}: KL(p ‖ q) and both models' log-probabilities of the
     * actual next token. Both models must share the tokenizer.
     */
    public List<TokenDivergence> divergence(CausalLm other, List<ScoreRow> rows) {
        if (!tokenizerFingerprint.equals(other.tokenizerFingerprint) || vocabSize != other.vocabSize) {
            throw new IllegalArgumentException("next-token distributions of " + name + " and " + other.name
                    + " are not comparable: their tokenizers or vocabularies differ");
        }
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.input().length).max().orElse(0);
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        fill(rows.stream().map(ScoreRow::input).toList(), t, ids, mask);
        int n = rows.stream().mapToInt(r -> r.targets().length).sum();
        long[] flat = new long[n];
        long[] targets = new long[n];
        int k = 0;
        for (int i = 0; i < b; i++) {
            ScoreRow r = rows.get(i);
            checkRow(r);
            for (int j = 0; j < r.targets().length; j++) {
                flat[k] = (long) i * t + r.firstTarget() + j;
                targets[k++] = r.targets()[j];
            }
        }
        boolean thisFirst = System.identityHashCode(this) <= System.identityHashCode(other);
        Object first = thisFirst ? lock : other.lock;
        Object second = thisFirst ? other.lock : lock;
        float[] kl;
        float[] lpP;
        float[] lpQ;
        synchronized (first) {
            synchronized (second) {
                ensureOpen();
                other.ensureOpen();
                try (NDManager mp = model.getNDManager().newSubManager();
                     NDManager mq = other.model.getNDManager().newSubManager()) {
                    NDArray p = forward(mp, ids, mask, b, t).reshape(b * (long) t, vocabSize).get(mp.create(flat))
                            .logSoftmax(1);
                    NDArray q = other.forward(mq, ids, mask, b, t).reshape(b * (long) t, vocabSize)
                            .get(mq.create(flat)).logSoftmax(1);
                    if (!q.getDevice().equals(p.getDevice())) {
                        q = q.toDevice(p.getDevice(), false);
                    }
                    NDArray idx = mp.create(targets, new Shape(n, 1));
                    kl = p.exp().mul(p.sub(q)).sum(new int[] {1}).toFloatArray();
                    lpP = p.gather(idx, 1).toFloatArray();
                    lpQ = q.gather(idx.toDevice(q.getDevice(), false), 1).toFloatArray();
                }
            }
        }
        List<TokenDivergence> out = new ArrayList<>(b);
        k = 0;
        for (ScoreRow r : rows) {
            int len = r.targets().length;
            double[] a = new double[len];
            double[] pp = new double[len];
            double[] qq = new double[len];
            for (int j = 0; j < len; j++, k++) {
                a[j] = kl[k];
                pp[j] = lpP[k];
                qq[j] = lpQ[k];
            }
            out.add(new TokenDivergence(a, pp, qq, r.targets()));
        }
        return out;
    }

    /** The greedy next token after each row (argmax at its last position), in one forward pass. */
    public int[] greedyNext(List<int[]> rows) {
        int b = rows.size();
        int t = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        long[] ids = new long[b * t];
        long[] mask = new long[b * t];
        long[] last = new long[b];
        for (int i = 0; i < b; i++) {
            int[] r = rows.get(i);
            if (r.length == 0 || r.length > contextLength) {
                throw new IllegalArgumentException("row " + i + " has " + r.length
                        + " tokens; expected 1.." + contextLength);
            }
            last[i] = (long) i * t + r.length - 1;
        }
        fill(rows, t, ids, mask);
        long[] next;
        synchronized (lock) {
            ensureOpen();
            try (NDManager m = model.getNDManager().newSubManager()) {
                NDArray logits = forward(m, ids, mask, b, t);
                next = logits.reshape(b * (long) t, vocabSize).get(m.create(last)).argMax(1).toLongArray();
            }
        }
        int[] out = new int[b];
        for (int i = 0; i < b; i++) {
            out[i] = (int) next[i];
        }
        return out;
    }

    /** Right-pads {@code rows} to {@code t} tokens into row-major {@code ids}, marking real tokens in {@code mask}. */
    private void fill(List<int[]> rows, int t, long[] ids, long[] mask) {
        int pad = tokenizer.specialTokens().padOrDefault();
        for (int i = 0; i < rows.size(); i++) {
            int[] in = rows.get(i);
            for (int j = 0; j < t; j++) {
                ids[i * t + j] = j < in.length ? in[j] : pad;
                mask[i * t + j] = j < in.length ? 1 : 0;
            }
        }
    }

    private void checkRow(ScoreRow r) {
        if (r.input().length > contextLength) {
            throw new IllegalArgumentException("row of " + r.input().length + " tokens exceeds the context window of "
                    + contextLength + " of " + name);
        }
    }

    /** Logits as float32 {@code [b, t, vocab]}, owned by {@code m}. Caller holds the lock. */
    private NDArray forward(NDManager m, long[] ids, long[] mask, int b, int t) {
        NDArray idsA = m.create(ids, new Shape(b, t));
        NDArray maskA = m.create(mask, new Shape(b, t));
        NDList out;
        try {
            out = predictor.predict(new NDList(idsA, maskA));
        } catch (TranslateException | EngineException e) {
            throw new IllegalStateException(files.torchScript() + ": forward pass failed for input [" + b + ", " + t
                    + "]: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new ModelLoadException(files.torchScript(), "the model returned no outputs");
        }
        NDArray logits = out.get(0);
        Shape s = logits.getShape();
        if (s.dimension() != 3 || s.get(0) != b || s.get(1) != t) {
            throw new ModelLoadException(files.torchScript(), "first output has shape " + s + " for input [" + b + ", "
                    + t + "]; expected logits [batch, tokens, vocab] (forward(input_ids, attention_mask))");
        }
        DataType dt = logits.getDataType();
        if (dt == DataType.FLOAT32) {
            return logits;
        }
        if (dt == DataType.FLOAT16 || dt == DataType.FLOAT64) {
            return logits.toType(DataType.FLOAT32, false);
        }
        throw new ModelLoadException(files.torchScript(), "logits have dtype " + dt
                + "; Retention handles float32, float16 and float64 (bfloat16 aborts DJL's engine)");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    /** The directory name, e.g. {@code lora}. */
    public String name() {
        return name;
    }

    public Path directory() {
        return files.directory();
    }

    /** SHA-256 over the TorchScript file, tokenizer and config files (see {@link #directory()}). */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * SHA-256 over {@code tokenizer.json} alone: two models with the same value split every text into
     * the same tokens, so their per-token results can be compared.
     */
    public String tokenizerFingerprint() {
        return tokenizerFingerprint;
    }

    /** The concrete device: {@code cpu} or {@code gpu:N}. */
    public String device() {
        return device;
    }

    public int contextLength() {
        return contextLength;
    }

    /** Width of the logits (at least the tokenizer's vocabulary). */
    public int vocabSize() {
        return vocabSize;
    }

    public LmTokenizer tokenizer() {
        return tokenizer;
    }

    public SpecialTokens specialTokens() {
        return tokenizer.specialTokens();
    }

    /** The descriptor of this model (as {@link #describe} would give). */
    public ModelDescriptor descriptor() {
        return new ModelDescriptor(name, files.directory(), fingerprint, contextLength, addBosToken);
    }

    /** Tensor storage types found in the TorchScript archive, e.g. {@code [Float, Long]}. */
    public Set<String> weightDtypes() {
        return weightDtypes;
    }

    /**
     * Number of NDArrays currently alive under this model's manager (its parameters and any
     * arrays a caller leaked); constant across calls when nothing leaks.
     */
    public int liveArrayCount() {
        return model.getNDManager().getManagedArrays().size();
    }

    /** The DJL model, for diagnostics that need parameters (package-private use only). */
    ZooModel<NDList, NDList> djlModel() {
        return model;
    }

    Object lock() {
        return lock;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            predictor.close();
            model.close();
            tokenizer.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + device + ", ctx " + contextLength + ", sha256 " + fingerprint.substring(0, 12) + ")";
    }
}
