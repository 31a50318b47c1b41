package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.apiguardian.api.API.Status.INTERNAL;
import static org.apiguardian.api.API.Status.STABLE;

/**
 * A causal language model and its Hugging Face tokenizer, loaded offline through DJL's PyTorch
 * engine.
 *
 * <p>A Hugging Face folder ({@code config.json}, {@code model.safetensors} or index + shards,
 * {@code tokenizer.json}) runs natively: the architecture comes from {@code config.json} (llama,
 * mistral, qwen2, qwen3, gemma2, gemma3, phi3, gpt2, olmo2, granite), the weights are mapped from
 * the safetensors files (bfloat16 and float16 widened to float32), and the forward pass is composed
 * from shared transformer blocks on DJL NDArrays. A directory holding only a TorchScript export
 * ({@code model.pt} taking {@code (input_ids, attention_mask)}) runs through the legacy TorchScript
 * path.
 *
 * <p>Batches are right-padded and masked; each call runs under its own NDArray sub-manager, so no
 * array outlives the call. Calls on one instance are serialised; load one instance per device for
 * parallel work.
 */
@API(status = STABLE, since = "0.1")
public final class CausalLm implements AutoCloseable {

    private static final AtomicLong SEQUENCE = new AtomicLong();

    private final ModelFiles files;
    private final Path directory;
    private final CausalLm base; // the base model of an adapter, else null
    private final boolean ownsBase;
    private final String name;
    private final String device;
    private final int contextLength;
    private final int vocabSize;
    private final String fingerprint;
    private final Set<String> weightDtypes;
    private final boolean addBosToken;
    private final String tokenizerFingerprint;
    private final LmTokenizer tokenizer;
    private final LmBackend backend;
    private final long order = SEQUENCE.incrementAndGet(); // total lock order for two-model calls
    private final Object lock = new Object();
    private boolean closed;

    private CausalLm(ModelFiles files, String device, int contextLength, int vocabSize, String fingerprint,
                     Set<String> dtypes, LmTokenizer tokenizer, LmBackend backend, boolean addBosToken) {
        this(files, files.directory(), null, false, device, contextLength, vocabSize, fingerprint, dtypes, tokenizer,
                backend, addBosToken);
    }

    private CausalLm(ModelFiles files, Path directory, CausalLm base, boolean ownsBase, String device, int contextLength,
                     int vocabSize, String fingerprint, Set<String> dtypes, LmTokenizer tokenizer, LmBackend backend,
                     boolean addBosToken) {
        this(files, directory, base, ownsBase, device, contextLength, vocabSize, fingerprint, dtypes, tokenizer, backend,
                addBosToken, directory.getFileName().toString());
    }

    private CausalLm(ModelFiles files, Path directory, CausalLm base, boolean ownsBase, String device, int contextLength,
                     int vocabSize, String fingerprint, Set<String> dtypes, LmTokenizer tokenizer, LmBackend backend,
                     boolean addBosToken, String name) {
        this.files = files;
        this.directory = directory;
        this.base = base;
        this.ownsBase = ownsBase;
        this.name = name;
        this.device = device;
        this.contextLength = contextLength;
        this.vocabSize = vocabSize;
        this.fingerprint = fingerprint;
        this.weightDtypes = Set.copyOf(dtypes);
        this.addBosToken = addBosToken;
        this.tokenizerFingerprint = Fingerprint.of(List.of(files.tokenizerJson()));
        this.tokenizer = tokenizer;
        this.backend = backend;
    }

    /**
     * Loads a model named by {@code locator}: a directory (see {@link #load(Path, ModelOptions)}), or a
     * model on an OpenAI-compatible serving engine written {@code http://host:port/v1#served-model-name},
     * whose local tokenizer directory comes from {@link ModelOptions#withTokenizer}. A served model is
     * checked before use: the engine must serve that name and pass Retention's self-check (its prompt
     * log-probabilities agree with its own generation log-probabilities).
     *
     * @throws ModelLoadException naming the file or key at fault; {@link ServingEngineException} naming the
     *     endpoint when a serving engine cannot be used
     */
    public static CausalLm load(String locator, ModelOptions options) {
        if (ServingEndpoint.isEndpoint(locator)) {
            return connect(ServingEndpoint.parse(locator), options);
        }
        return load(Path.of(locator), options);
    }

    /**
     * Whether {@code locator} names a model on a serving engine ({@code http://} or {@code https://},
     * written {@code http://host:port/v1#served-model-name}) rather than a model directory.
     */
    public static boolean namesServedModel(String locator) {
        return ServingEndpoint.isEndpoint(locator);
    }

    private static CausalLm connect(ServingEndpoint endpoint, ModelOptions options) {
        Path tokDir = options.tokenizer().orElseThrow(() -> new IllegalArgumentException(endpoint + " is a served "
                + "model: give its local tokenizer directory (tokenizer.json) with ModelOptions.withTokenizer(dir); "
                + "in the JUnit extension, retention.<role>.tokenizer"));
        ModelFiles files = ModelFiles.tokenizerOnly(tokDir);
        ModelMetadata meta = ModelMetadata.read(files);
        LmTokenizer tokenizer = LmTokenizer.load(files.tokenizerJson(), meta.tokenizerVocabSize(),
                meta.specialTokens(), options.addBosToken());
        RemoteLm remote = null;
        try {
            remote = RemoteLm.connect(endpoint, options.serving());
            int ctx = remoteContext(endpoint, remote.served(), options);
            remote.selfCheck(tokenizer::encode, tokenizer::decode, options.serving().selfCheckTolerance());
            String fp = remoteFingerprint(endpoint, remote.served(), files, options);
            return new CausalLm(files, tokDir, null, false, "remote", ctx, tokenizer.vocabSize(), fp, Set.of(), tokenizer,
                    remote, options.addBosToken(), endpoint.servedModel());
        } catch (RuntimeException e) {
            tokenizer.close();
            if (remote != null) {
                remote.close();
            }
            throw e;
        }
    }

    /**
     * The context window of a served model: {@code max_model_len - 2}. A scored sequence is one token
     * longer than the window (the input and its last target, as lm-evaluation-harness builds it), and
     * the engine generates one token with every request, which must fit too (vLLM refuses a prompt of
     * {@code max_model_len} tokens).
     */
    private static int remoteContext(ServingEndpoint endpoint, ServedModel served, ModelOptions options) {
        OptionalInt maxLen = served.maxModelLen();
        if (options.contextLength().isPresent()) {
            int ctx = options.contextLength().getAsInt();
            if (maxLen.isPresent() && ctx > maxLen.getAsInt() - 2) {
                throw new IllegalArgumentException("context length " + ctx + " does not fit " + endpoint + ", whose "
                        + "max_model_len is " + maxLen.getAsInt() + ": a served model's window is at most max_model_len "
                        + "- 2 = " + (maxLen.getAsInt() - 2) + " (a scored sequence is one token longer than the window, "
                        + "and the engine generates one token per request); lower ModelOptions.withContextLength (in "
                        + "the JUnit extension, retention.contextLength) or raise the server's --max-model-len");
            }
            return ctx;
        }
        return maxLen.orElseThrow(() -> new IllegalArgumentException(endpoint + " reports no max_model_len; set the "
                + "context window with ModelOptions.withContextLength(n) (in the JUnit extension, "
                + "retention.contextLength)")) - 2;
    }

    /**
     * The identity of a served model: endpoint, served name, everything the engine reports about it,
     * the local tokenizer files and the pinned revision, so a cache never serves one model's scores for
     * another. (The engine's system fingerprint changes with the engine's version and is recorded too.)
     */
    private static String remoteFingerprint(ServingEndpoint endpoint, ServedModel served, ModelFiles files,
                                            ModelOptions options) {
        String identity = endpoint + "\u0000" + served.metadata() + "\u0000" + options.serving().revision().orElse("")
                + "\u0000" + Fingerprint.of(files.fingerprinted());
        return Fingerprint.combine(Fingerprint.combine("served", endpoint.toString()), identity);
    }

    /** Loads {@code dir} with {@link ModelOptions#defaults()}. */
    public static CausalLm load(Path dir) {
        return load(dir, ModelOptions.defaults());
    }

    /**
     * Loads a model directory: a Hugging Face folder (natively) or a legacy TorchScript export,
     * with {@code tokenizer.json} and, optionally, {@code tokenizer_config.json},
     * {@code generation_config.json} for special tokens.
     *
     * @throws ModelLoadException naming the file, tensor or config key at fault when the directory cannot be used
     */
    public static CausalLm load(Path dir, ModelOptions options) {
        if (AdapterFiles.isAdapter(dir)) {
            AdapterFiles adapter = AdapterFiles.in(dir);
            CausalLm base = load(adapter.base(PeftConfig.read(adapter.config()), options), options.withoutBase());
            try {
                return base.withAdapter(adapter, true);
            } catch (RuntimeException e) {
                base.close();
                throw e;
            }
        }
        ModelFiles files = ModelFiles.in(dir);
        Set<String> archiveDtypes = files.torchScript().map(TorchScriptArchive::checkLoadable).orElse(Set.of());
        ModelMetadata meta = ModelMetadata.read(files);
        int ctx = contextLength(files, meta, options);
        String device = Devices.resolve(options.device());
        String fingerprint = Fingerprint.of(files.fingerprinted());
        LmTokenizer tokenizer = LmTokenizer.load(files.tokenizerJson(), meta.tokenizerVocabSize(),
                meta.specialTokens(), options.addBosToken());
        try {
            return files.format() == ModelFiles.Format.SAFETENSORS
                    ? loadNative(files, meta, options, ctx, device, fingerprint, tokenizer)
                    : loadTorchScript(files, meta, options, ctx, device, fingerprint, tokenizer, archiveDtypes);
        } catch (RuntimeException e) {
            tokenizer.close();
            throw e;
        }
    }

    private static CausalLm loadNative(ModelFiles files, ModelMetadata meta, ModelOptions options, int ctx,
                                       String device, String fingerprint, LmTokenizer tokenizer) {
        DecoderSpec spec = Families.resolve(HfConfig.read(files.config().orElseThrow()));
        if (spec.vocabSize() < tokenizer.vocabSize()) {
            throw new ModelLoadException(files.config().orElseThrow(), "vocab_size is " + spec.vocabSize()
                    + " but tokenizer.json has " + tokenizer.vocabSize() + " ids; the tokenizer does not belong to this "
                    + "model");
        }
        CheckpointTensors tensors = CheckpointTensors.open(files.directory());
        Set<String> dtypes = tensors.dtypes();
        NativeLm lm = NativeLm.load(spec, tensors, Devices.toDjl(device));
        return new CausalLm(files, device, ctx, spec.vocabSize(), fingerprint, dtypes, tokenizer, lm,
                options.addBosToken());
    }

    private static CausalLm loadTorchScript(ModelFiles files, ModelMetadata meta, ModelOptions options, int ctx,
                                            String device, String fingerprint, LmTokenizer tokenizer,
                                            Set<String> dtypes) {
        Path pt = files.torchScript().orElseThrow();
        TorchScriptLm ts = new TorchScriptLm(pt, files.loadTorchScript(device, false,
                "DJL's PyTorch engine cannot load it"));
        try {
            int v = probeVocab(ts, tokenizer, meta, pt);
            return new CausalLm(files, device, ctx, v, fingerprint, dtypes, tokenizer, ts, options.addBosToken());
        } catch (RuntimeException e) {
            ts.close();
            throw e;
        }
    }

    /**
     * This model with a PEFT LoRA adapter applied, sharing this model's weights: only the adapter's
     * factors are loaded, so a base and any number of adapters over it hold the base once. Closing
     * the result leaves this model open. Needs a natively loaded (Hugging Face) base.
     *
     * @throws ModelLoadException naming the adapter, the module and this model when they do not fit
     */
    public CausalLm withAdapter(Path adapterDirectory) {
        return withAdapter(AdapterFiles.in(adapterDirectory), false);
    }

    private CausalLm withAdapter(AdapterFiles adapter, boolean ownBase) {
        if (!(backend instanceof NativeLm nativeBase)) {
            throw new ModelLoadException(adapter.directory(), "a LoRA adapter needs a Hugging Face base model loaded "
                    + "natively; " + name + " is a " + backend.kind() + " model");
        }
        if (base != null) {
            throw new ModelLoadException(adapter.directory(), name + " is itself an adapter; apply adapters to the base");
        }
        PeftConfig peft = PeftConfig.read(adapter.config());
        String tokenizerHash = Fingerprint.of(List.of(files.tokenizerJson()));
        if (adapter.tokenizerJson().isPresent()
                && !Fingerprint.of(List.of(adapter.tokenizerJson().get())).equals(tokenizerHash)) {
            throw new ModelLoadException(adapter.tokenizerJson().get(), "differs from the base model's tokenizer.json ("
                    + files.tokenizerJson() + "); an adapter that changes the vocabulary is not supported");
        }
        LmTokenizer tok = LmTokenizer.load(files.tokenizerJson(), tokenizer.vocabSize(), tokenizer.specialTokens(),
                addBosToken);
        NDManager m = nativeBase.manager().newSubManager();
        try (TensorSource t = CheckpointTensors.open(adapter.directory(), "adapter_model")) {
            LoraAdapter lora = LoraAdapter.load(adapter.directory(), peft, t, nativeBase.transformer().weights(), m);
            String fp = Fingerprint.combine(fingerprint, Fingerprint.of(adapter.fingerprinted()));
            return new CausalLm(files, adapter.directory(), this, ownBase, device, contextLength, vocabSize, fp,
                    weightDtypes, tok, nativeBase.withAdapter(lora, m), addBosToken);
        } catch (RuntimeException e) {
            m.close();
            tok.close();
            throw e;
        }
    }

    /** The base model of an adapter (the model itself otherwise). */
    public CausalLm baseModel() {
        return base == null ? this : base;
    }

    /** Whether this is a LoRA adapter over {@link #baseModel()}. */
    public boolean isAdapter() {
        return base != null;
    }

    /** The LoRA adapter of this model, or {@code null} (diagnostics read its factors). */
    LoraAdapter adapter() {
        return backend instanceof NativeLm n && n.transformer().adapter() instanceof LoraAdapter l ? l : null;
    }

    /**
     * Describes the model {@code locator} names without loading it: a directory (as
     * {@link #describe(Path, ModelOptions)}), or a served model, whose engine is asked what it serves
     * (no self-check, no scoring).
     */
    public static ModelDescriptor describe(String locator, ModelOptions options) {
        if (!ServingEndpoint.isEndpoint(locator)) {
            return describe(Path.of(locator), options);
        }
        ServingEndpoint endpoint = ServingEndpoint.parse(locator);
        Path tokDir = options.tokenizer().orElseThrow(() -> new IllegalArgumentException(endpoint + " is a served "
                + "model: give its local tokenizer directory (tokenizer.json) with ModelOptions.withTokenizer(dir)"));
        ModelFiles files = ModelFiles.tokenizerOnly(tokDir);
        ServedModel served = RemoteLm.describe(endpoint, options.serving());
        return new ModelDescriptor(endpoint.servedModel(), files.directory(), remoteFingerprint(endpoint, served, files,
                options), remoteContext(endpoint, served, options), options.addBosToken());
    }

    /**
     * Describes a model directory without loading it (no native code runs): its fingerprint and the
     * context window scoring would use. Fails like {@link #load} on missing or malformed files.
     */
    public static ModelDescriptor describe(Path dir, ModelOptions options) {
        if (AdapterFiles.isAdapter(dir)) {
            AdapterFiles adapter = AdapterFiles.in(dir);
            ModelDescriptor b = describe(adapter.base(PeftConfig.read(adapter.config()), options), options.withoutBase());
            return new ModelDescriptor(adapter.directory().getFileName().toString(), adapter.directory(),
                    Fingerprint.combine(b.fingerprint(), Fingerprint.of(adapter.fingerprinted())), b.contextLength(),
                    options.addBosToken(), Optional.of(b));
        }
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

    /** Runs two tokens through a TorchScript model and checks the logits' width against the tokenizer. */
    private static int probeVocab(TorchScriptLm ts, LmTokenizer tokenizer, ModelMetadata meta, Path pt) {
        int tok = tokenizer.specialTokens().padOrDefault();
        int v;
        try (NDManager m = ts.manager().newSubManager()) {
            v = (int) ts.forward(m, new long[] {tok, tok}, new long[] {1, 1}, 1, 2).getShape().get(2);
        }
        int tv = tokenizer.vocabSize();
        boolean declaredPadding = meta.declaredVocabSize().isPresent() && meta.declaredVocabSize().getAsInt() == v;
        if (v < tv || (v > tv && !declaredPadding)) {
            throw new ModelLoadException(pt, "the model's logits cover " + v
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
     *
     * <p>Consecutive rows that share a prefix of their input (the choices of one multiple-choice
     * item) run that prefix once on native models ({@link #score(List, boolean)}).
     *
     * @throws NonFiniteLogitsException when the model produces NaN or infinite logits for a row
     */
    public List<TokenScores> score(List<ScoreRow> rows) {
        return score(rows, true);
    }

    /**
     * As {@link #score(List)}; with {@code sharePrefixes} false every row runs whole (the results
     * agree within float32 rounding; sharing only saves work).
     */
    public List<TokenScores> score(List<ScoreRow> rows, boolean sharePrefixes) {
        Batch batch = Batch.of(rows, contextLength, name, tokenizer.specialTokens().padOrDefault());
        if (backend instanceof RemoteLm remote) {
            checkOpen();
            return remote.score(rows);
        }
        PrefixGroups groups = sharePrefixes && backend instanceof NativeLm lm && lm.canSharePrefixes()
                ? PrefixGroups.of(rows) : null;
        float[] logProbs;
        long[] argmax;
        synchronized (lock) {
            ensureOpen();
            try (NDManager m = backend.manager().newSubManager()) {
                NDArray picked = groups != null && groups.worthIt()
                        ? ((NativeLm) backend).logitsSharingPrefixes(m, groups.inputs(), groups.group(), groups.prefix(),
                                batch.targetRow, batch.targetColumn, tokenizer.specialTokens().padOrDefault())
                        : backend.logits(m, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                checkFinite(picked, batch, rows);
                NDArray logp = picked.logSoftmax(1);
                logProbs = logp.gather(m.create(batch.targets, new Shape(batch.targets.length, 1)), 1).toFloatArray();
                argmax = picked.argMax(1).toLongArray();
            }
        }
        List<TokenScores> out = new ArrayList<>(rows.size());
        int k = 0;
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

    /** Refuses NaN or ±Inf logits, naming the row of the batch and the count of bad values. */
    private void checkFinite(NDArray logits, Batch batch, List<ScoreRow> rows) {
        // one value per target first (the largest magnitude: NaN or infinite when any logit there is), so a
        // clean batch allocates nothing the size of its logits; bad values are counted only where they are
        float[] peak = logits.abs().max(new int[] {1}).toFloatArray();
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            long count = 0;
            for (int j = 0; j < rows.get(r).targets().length; j++, k++) {
                if (!Float.isFinite(peak[k])) {
                    NDArray at = logits.get(k);
                    count += at.isNaN().logicalOr(at.isInfinite()).toType(DataType.INT64, false).sum().getLong();
                }
            }
            if (count > 0) {
                throw new NonFiniteLogitsException(name, r, count, (long) rows.get(r).targets().length * vocabSize);
            }
        }
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
        Batch batch = Batch.of(rows, Math.min(contextLength, other.contextLength), name,
                tokenizer.specialTokens().padOrDefault());
        int n = batch.targets.length;
        CausalLm first = order <= other.order ? this : other;
        CausalLm second = first == this ? other : this;
        float[] kl;
        float[] lpP;
        float[] lpQ;
        synchronized (first.lock) {
            synchronized (second.lock) {
                ensureOpen();
                other.ensureOpen();
                try (NDManager mp = backend.manager().newSubManager();
                     NDManager mq = other.backend.manager().newSubManager()) {
                    NDArray lp = backend.logits(mp, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                    checkFinite(lp, batch, rows);
                    NDArray lq = other.backend.logits(mq, batch.ids, batch.mask, batch.b, batch.t, batch.flat);
                    other.checkFinite(lq, batch, rows);
                    NDArray p = lp.logSoftmax(1);
                    NDArray q = lq.logSoftmax(1);
                    if (!q.getDevice().equals(p.getDevice())) {
                        q = q.toDevice(p.getDevice(), false);
                    }
                    NDArray idx = mp.create(batch.targets, new Shape(n, 1));
                    kl = p.exp().mul(p.sub(q)).sum(new int[] {1}).toFloatArray();
                    lpP = p.gather(idx, 1).toFloatArray();
                    lpQ = q.gather(idx, 1).toFloatArray();
                }
            }
        }
        List<TokenDivergence> out = new ArrayList<>(rows.size());
        int k = 0;
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

    /** Whether this model runs on a serving engine (generation then runs there whole, see {@link #generateServed}). */
    public boolean isServed() {
        return backend instanceof RemoteLm;
    }

    /**
     * Greedy completions of a served model, run whole on its engine (temperature 0, at most
     * {@code maxTokens}, cut at EOS and the first of {@code stop}).
     *
     * @return per prompt: the generated ids (EOS excluded), their text and whether EOS ended it
     */
    public List<ServedGeneration> generateServed(List<int[]> prompts, int maxTokens, List<String> stop) {
        if (!(backend instanceof RemoteLm remote)) {
            throw new IllegalStateException(name + " is not a served model; use greedy()");
        }
        checkOpen();
        List<ServedGeneration> out = new ArrayList<>(prompts.size());
        for (Completion c : remote.generate(prompts, maxTokens, stop)) {
            int[] ids = c.tokens();
            boolean eos = ids.length > 0 && tokenizer.specialTokens().eos().contains(ids[ids.length - 1]);
            int[] kept = eos ? java.util.Arrays.copyOf(ids, ids.length - 1) : ids;
            out.add(new ServedGeneration(kept, localText(kept, stop), eos,
                    c.finishReason() == Completion.FinishReason.LENGTH));
        }
        return out;
    }

    /**
     * The text of generated ids as the local decoding loop writes it: the local tokenizer's decoding, cut
     * before the earliest stop string. The engine's own text is not used: it holds back the bytes of an
     * incomplete UTF-8 character at the end (vLLM detokenizes incrementally) where the local decoding
     * shows U+FFFD, so an exact-match check could pass on the engine and fail locally. The self-check
     * has shown that the engine's text is this one otherwise.
     */
    private String localText(int[] ids, List<String> stop) {
        String text = tokenizer.decode(ids);
        int cut = -1;
        for (String s : stop) {
            int at = text.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        return cut >= 0 ? text.substring(0, cut) : text;
    }

    /**
     * A served model's greedy completion.
     *
     * @param tokens generated ids (EOS excluded; the engine includes the token that completed a stop string)
     * @param text the text of {@code tokens} by the local tokenizer, cut before the first stop string (as the
     *     local decoding loop writes it; see {@link #generateServed})
     * @param eos whether the model produced EOS
     * @param budgetSpent whether the token budget ended it
     */
    @API(status = INTERNAL, since = "0.1")
    public record ServedGeneration(int[] tokens, String text, boolean eos, boolean budgetSpent) {
    }

    /**
     * Starts greedy decoding of {@code prompts} (each 1..contextLength tokens): native models keep a
     * KV cache and run one token per unfinished row per step; TorchScript exports re-run each
     * sequence. Close the session when done.
     */
    public GreedySession greedy(List<int[]> prompts) {
        for (int i = 0; i < prompts.size(); i++) {
            int len = prompts.get(i).length;
            if (len == 0 || len > contextLength) {
                throw new IllegalArgumentException("prompt " + i + " has " + len + " tokens; expected 1.."
                        + contextLength);
            }
        }
        if (isServed()) {
            throw new IllegalStateException(name + " is a served model: its generations run whole on the engine "
                    + "(generateServed)");
        }
        synchronized (lock) {
            ensureOpen();
            return new GreedySession(this, backend.decode(backend.manager(), List.copyOf(prompts),
                    tokenizer.specialTokens().padOrDefault()));
        }
    }

    Object lock() {
        return lock;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    void checkOpen() {
        synchronized (lock) {
            ensureOpen();
        }
    }

    /** The directory name, e.g. {@code lora}. */
    public String name() {
        return name;
    }

    public Path directory() {
        return directory;
    }

    /** SHA-256 over the weight files, tokenizer and config files (see {@link #directory()}). */
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

    /** How the model runs, e.g. {@code llama (native)} or {@code TorchScript}. */
    public String kind() {
        return backend.kind();
    }

    /** The descriptor of this model (as {@link #describe} would give). */
    public ModelDescriptor descriptor() {
        return new ModelDescriptor(name, directory, fingerprint, contextLength, addBosToken,
                base == null ? Optional.empty() : Optional.of(base.descriptor()));
    }

    /**
     * Storage types of the weights as stored, e.g. {@code [BF16]} or {@code [F32]} for a Hugging Face
     * checkpoint (computation is float32 either way), {@code [Float, Long]} in a TorchScript archive.
     */
    public Set<String> weightDtypes() {
        return weightDtypes;
    }

    /**
     * Number of NDArrays currently alive under this model's manager (its parameters and any
     * arrays a caller leaked); constant across calls when nothing leaks.
     */
    public int liveArrayCount() {
        return countArrays(backend.manager());
    }

    private static int countArrays(NDManager m) {
        return m.getManagedArrays().size();
    }

    /** Weights by name, owned by the model (package-private use only: diagnostics). */
    Map<String, NDArray> parameters() {
        synchronized (lock) {
            ensureOpen();
            return backend.parameters();
        }
    }

    LmBackend backend() {
        return backend;
    }

    ModelFiles files() {
        return files;
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            backend.close();
            tokenizer.close();
        }
        if (ownsBase) {
            base.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + kind() + ", " + device + ", ctx " + contextLength + ", sha256 " + fingerprint.substring(0, 12)
                + ")";
    }

    /** A batch of score rows, right-padded into row-major arrays, with the flat positions and targets to score. */
    private static final class Batch {
        final int b;
        final int t;
        final long[] ids;
        final long[] mask;
        final long[] flat;
        final long[] targets;
        final int[] targetRow;
        final int[] targetColumn;

        private Batch(int b, int t, long[] ids, long[] mask, long[] flat, long[] targets, int[] targetRow,
                      int[] targetColumn) {
            this.b = b;
            this.t = t;
            this.ids = ids;
            this.mask = mask;
            this.flat = flat;
            this.targets = targets;
            this.targetRow = targetRow;
            this.targetColumn = targetColumn;
        }

        static Batch of(List<ScoreRow> rows, int contextLength, String model, int pad) {
            int b = rows.size();
            int t = rows.stream().mapToInt(r -> r.input().length).max().orElse(0);
            int n = rows.stream().mapToInt(r -> r.targets().length).sum();
            long[] ids = new long[b * t];
            long[] mask = new long[b * t];
            long[] flat = new long[n];
            long[] targets = new long[n];
            int[] targetRow = new int[n];
            int[] targetColumn = new int[n];
            int k = 0;
            for (int i = 0; i < b; i++) {
                ScoreRow r = rows.get(i);
                if (r.input().length > contextLength) {
                    throw new IllegalArgumentException("row of " + r.input().length
                            + " tokens exceeds the context window of " + contextLength + " of " + model);
                }
                int[] in = r.input();
                for (int j = 0; j < t; j++) {
                    ids[i * t + j] = j < in.length ? in[j] : pad;
                    mask[i * t + j] = j < in.length ? 1 : 0;
                }
                for (int j = 0; j < r.targets().length; j++) {
                    flat[k] = (long) i * t + r.firstTarget() + j;
                    targetRow[k] = i;
                    targetColumn[k] = r.firstTarget() + j;
                    targets[k++] = r.targets()[j];
                }
            }
            return new Batch(b, t, ids, mask, flat, targets, targetRow, targetColumn);
        }
    }
}
