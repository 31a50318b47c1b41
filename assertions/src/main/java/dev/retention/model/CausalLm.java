package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.apiguardian.api.API;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import dev.retention.model.internal.AdapterBase;
import dev.retention.model.internal.EngineThreads;
import dev.retention.model.internal.FisherEstimate;
import dev.retention.model.internal.GreedySession;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.internal.ParameterDelta;
import dev.retention.model.internal.ScoreRow;
import dev.retention.model.internal.ServedGeneration;
import dev.retention.model.internal.SpecialTokens;
import dev.retention.model.internal.Spectrum;
import dev.retention.model.internal.TokenDivergence;
import dev.retention.model.internal.TokenScores;
import dev.retention.model.internal.LmTokenizer;

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
 * array outlives the call. Calls on a model run natively in Java may overlap (the evaluation runs one batch per
 * stream at once: they only read the weights); a TorchScript export's or a served model's calls run one at a
 * time (a served model's call sends up to its configured number of requests at once). {@link #close()} waits
 * for the running calls.
 *
 * <p>This class is the model's identity, lifecycle and entry points; loading and validation live in
 * {@code ModelLoading}, scoring and divergence in {@code Scoring}, greedy decoding in the backends
 * ({@code NativeLm}, {@code TorchScriptLm}, {@code RemoteLm}), weight comparisons in {@code Weights} and the
 * Fisher estimate in {@code DiagonalFisher}.
 *
 * <p>Members marked {@link API.Status#INTERNAL} (those whose signatures use types of
 * {@code dev.retention.model.internal}, and a few accessors Retention uses for its own checks) are the entry
 * points of Retention's other packages and may change without notice.
 *
 * @since 0.1
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
    // Calls (scoring, decoding steps, weight reads) share the read lock, so batches on several streams run
    // concurrently; close() and the adapter list take the write lock, so a model is never closed under a call.
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Object oneCall = new Object(); // serialises the calls of backends without concurrent calls
    private final List<CausalLm> adapters = new ArrayList<>(); // open adapters over this model; guarded by the write lock
    private volatile boolean closed;

    CausalLm(ModelFiles files, String device, int contextLength, int vocabSize, String fingerprint,
                     Set<String> dtypes, LmTokenizer tokenizer, LmBackend backend, boolean addBosToken) {
        this(files, files.directory(), null, false, device, contextLength, vocabSize, fingerprint, dtypes, tokenizer,
                backend, addBosToken);
    }

    CausalLm(ModelFiles files, Path directory, CausalLm base, boolean ownsBase, String device, int contextLength,
                     int vocabSize, String fingerprint, Set<String> dtypes, LmTokenizer tokenizer, LmBackend backend,
                     boolean addBosToken) {
        this(files, directory, base, ownsBase, device, contextLength, vocabSize, fingerprint, dtypes, tokenizer, backend,
                addBosToken, directory.getFileName().toString());
    }

    CausalLm(ModelFiles files, Path directory, CausalLm base, boolean ownsBase, String device, int contextLength,
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
     * <p>A served model's {@link #device()} is {@code remote}, its {@link #name()} the served model name and its
     * {@link #directory()} the tokenizer directory; its context window is the engine's {@code max_model_len}
     * minus 2 unless {@link ModelOptions#contextLength()} sets one, which may not exceed that.
     *
     * @param locator a model directory (any path that does not start with {@code http://} or {@code https://}),
     *     or a served model written {@code http://host:port/v1#served-model-name}
     * @param options how to load the model; a served model needs {@link ModelOptions#tokenizer()} and reads
     *     {@link ModelOptions#serving()}
     * @return the loaded model, open until the caller {@linkplain #close() closes} it
     * @throws ModelLoadException naming the file or key at fault; {@link ServingEngineException} naming the
     *     endpoint when a serving engine cannot be used
     * @throws IllegalArgumentException when a served locator is malformed (no name after {@code #}, no host,
     *     credentials in the URL), when {@code options} has no tokenizer directory for a served model, or when
     *     the served model's context window cannot be told or exceeds {@code max_model_len - 2}
     */
    public static CausalLm load(String locator, ModelOptions options) {
        return ModelLoading.load(locator, options);
    }

    /**
     * Whether {@code locator} names a model on a serving engine ({@code http://} or {@code https://},
     * written {@code http://host:port/v1#served-model-name}) rather than a model directory. Only the
     * prefix is checked: a malformed served locator still answers {@code true} and fails in
     * {@link #load(String, ModelOptions)}.
     *
     * @param locator a model locator as {@link #load(String, ModelOptions)} takes it
     * @return {@code true} when {@code locator} starts with {@code http://} or {@code https://}
     */
    public static boolean namesServedModel(String locator) {
        return ServingEndpoint.isEndpoint(locator);
    }

    /**
     * Loads {@code dir} with {@link ModelOptions#defaults()}: device {@code auto}, the context window from the
     * model's config, no BOS prepended.
     *
     * @param dir a Hugging Face model folder, a legacy TorchScript export or a PEFT adapter directory whose
     *     {@code base_model_name_or_path} names a local folder
     * @return the loaded model, open until the caller {@linkplain #close() closes} it
     * @throws ModelLoadException naming the file, tensor or config key at fault when the directory cannot be used
     */
    public static CausalLm load(Path dir) {
        return load(dir, ModelOptions.defaults());
    }

    /**
     * Loads a model directory: a Hugging Face folder (natively) or a legacy TorchScript export,
     * with {@code tokenizer.json} and, optionally, {@code tokenizer_config.json},
     * {@code generation_config.json} for special tokens.
     *
     * <p>A PEFT adapter directory (one holding {@code adapter_config.json}) loads its base model first (from
     * {@link ModelOptions#base()}, else from the local folder its {@code base_model_name_or_path} names) and
     * applies the adapter to it, as {@link #withAdapter(Path)} does; closing the result then closes that base
     * too.
     *
     * @param dir the model directory (relative paths resolve against the working directory)
     * @param options device, context window and BOS setting ({@link ModelOptions#defaults()} for the defaults)
     * @return the loaded model, open until the caller {@linkplain #close() closes} it
     * @throws ModelLoadException naming the file, tensor or config key at fault when the directory cannot be used
     * @throws IllegalArgumentException when the requested GPU does not exist
     */
    public static CausalLm load(Path dir, ModelOptions options) {
        return ModelLoading.load(dir, options);
    }

    /**
     * Estimates the diagonal Fisher of the model in {@code dir} from the log-likelihood gradients of
     * {@code rows} (each row's targets are the "labels"), for Retention's own packages (the Fisher-weighted
     * drift). One forward and one backward pass per row; estimates run one at a time in a JVM.
     *
     * @param dir a Hugging Face model folder or a legacy TorchScript export (not an adapter directory); it is
     *     loaded again, with gradients, independently of any loaded model
     * @param options only {@link ModelOptions#device()} is read (resolved as {@link dev.retention.model.internal.Devices#resolve} does)
     * @param rows the scored requests, at least one; each row's summed target log-probability is
     *     differentiated
     * @param progress called with the number of rows done after each row
     * @return the estimate, averaged over {@code rows}; the caller closes it
     * @throws IllegalArgumentException when {@code rows} is empty, or the device is invalid or absent
     * @throws IllegalStateException naming the directory and the parameter when the estimate is NaN or
     *     infinite somewhere
     * @throws ModelLoadException naming the file or key at fault when {@code dir} cannot be loaded
     */
    @API(status = INTERNAL, since = "0.1")
    public static FisherEstimate estimateFisher(Path dir, ModelOptions options, List<ScoreRow> rows,
                                                IntConsumer progress) {
        return DiagonalFisher.estimate(dir, options, rows, progress);
    }

    /**
     * Every parameter's difference from {@code baseline}, for Retention's own packages (the weight checks).
     * Parameters are matched by name (a Hugging Face checkpoint's own names), never by position. For a LoRA
     * adapter over {@code baseline} only the adapter's changes are computed, from its factors
     * ({@code ΔW = s · B·A}); every parameter it does not touch is bit-identical by construction.
     *
     * @param baseline the model this one is compared with
     * @return one delta per parameter, in this model's parameter order, computed in float64
     * @throws IllegalArgumentException naming the parameters when the two models' parameter names differ, or
     *     naming the parameter and both shapes when a shape differs
     * @throws UnsupportedOperationException when either model is a served model (it gives no weights)
     * @throws IllegalStateException when either model is closed
     */
    @API(status = INTERNAL, since = "0.1")
    public List<ParameterDelta> parameterDeltas(CausalLm baseline) {
        return lockingBoth(baseline, () -> Weights.deltas(this, baseline));
    }

    /**
     * The leading singular values of {@code ΔW = this - baseline} for one 2-D parameter, for Retention's own
     * packages (the low-rank check): exact from a LoRA adapter's factors, else a seeded randomized range
     * finder, exact when {@code rank(ΔW) ≤ k}.
     *
     * @param baseline the model this one is compared with
     * @param name a 2-D parameter present in both models
     * @param k how many singular values to estimate; capped at the smaller matrix dimension
     * @param seed seeds the random test matrix, so a result is reproducible
     * @return the spectrum, empty (and {@code frobeniusSquared} 0) when the parameter did not change
     * @throws IllegalArgumentException naming the parameter when either model lacks it, the shapes differ or it
     *     is not a matrix
     * @throws UnsupportedOperationException when either model is a served model
     * @throws IllegalStateException when either model is closed
     */
    @API(status = INTERNAL, since = "0.1")
    public Spectrum changeSpectrum(CausalLm baseline, String name, int k, long seed) {
        return lockingBoth(baseline, () -> Weights.spectrum(this, baseline, name, k, seed));
    }

    /**
     * Every parameter's shape, for Retention's own packages.
     *
     * @return a new map from parameter name to shape, in this model's parameter order
     * @throws UnsupportedOperationException when this is a served model
     * @throws IllegalStateException when this model is closed
     */
    @API(status = INTERNAL, since = "0.1")
    public Map<String, long[]> parameterShapes() {
        return calling(() -> Weights.shapes(this));
    }

    /**
     * {@code work} holding this model's call lock and {@code other}'s, taken in {@link #order()} so that two
     * threads comparing the same pair cannot deadlock; neither model can be closed while it runs.
     */
    <T> T lockingBoth(CausalLm other, Supplier<T> work) {
        CausalLm first = order <= other.order ? this : other;
        CausalLm second = first == this ? other : this;
        return first.holding(() -> second.holding(work));
    }

    /**
     * {@code work} holding this model's call lock after checking the model is open: calls run concurrently
     * with each other, and {@link #close()} waits for them.
     */
    <T> T calling(Supplier<T> work) {
        return holding(() -> {
            ensureOpen();
            return work.get();
        });
    }

    /**
     * {@code work} holding this model's call lock, open or not (a session's own cleanup); for a backend whose
     * calls may not overlap (TorchScript, a served engine's client) also the model's one-call-at-a-time lock.
     */
    <T> T holding(Supplier<T> work) {
        Lock l = lock.readLock();
        l.lock();
        try {
            if (backend.concurrentCalls()) {
                return work.get();
            }
            synchronized (oneCall) {
                return work.get();
            }
        } finally {
            l.unlock();
        }
    }

    /** {@code work} holding this model's exclusive lock: no call runs meanwhile. */
    private <T> T exclusively(Supplier<T> work) {
        Lock l = lock.writeLock();
        l.lock();
        try {
            return work.get();
        } finally {
            l.unlock();
        }
    }

    /**
     * What the PEFT adapter directory {@code dir} says about its base model, for Retention's own packages:
     * checks the adapter's files and its {@code adapter_config.json}, then looks for the local folder its
     * {@code base_model_name_or_path} names (first relative to the adapter directory, then to the working
     * directory). No weights are read.
     *
     * @param dir any directory
     * @return empty when {@code dir} holds no {@code adapter_config.json}; else the adapter's declared base,
     *     with {@code adapter} and {@code config} absolute
     * @throws ModelLoadException as {@link #load(Path)} would for the adapter's own files: a missing
     *     {@code adapter_model.safetensors}, a pickled {@code adapter_model.bin}, or a tuner Retention does
     *     not apply (DoRA, IA3, ...), naming the file and key
     */
    @API(status = INTERNAL, since = "0.1")
    public static Optional<AdapterBase> adapterBase(Path dir) {
        if (!AdapterFiles.isAdapter(dir)) {
            return Optional.empty();
        }
        AdapterFiles files = AdapterFiles.in(dir);
        PeftConfig peft = PeftConfig.read(files.config());
        return Optional.of(new AdapterBase(files.directory(), files.config(), peft.baseModel(),
                files.declaredBase(peft, new ArrayList<>())));
    }

    /**
     * This model with a PEFT LoRA adapter applied, sharing this model's weights: only the adapter's
     * factors are loaded, so a base and any number of adapters over it hold the base once. Closing
     * the result leaves this model open. Needs a natively loaded (Hugging Face) base.
     *
     * <p>The adapter computes with this model's weights, so closing this model closes its open adapters first
     * (each after the call it is running); their later calls fail naming the adapter.
     *
     * @param adapterDirectory a PEFT adapter directory: {@code adapter_config.json} (LoRA) and
     *     {@code adapter_model.safetensors}, optionally a {@code tokenizer.json} that must equal this model's
     * @return a new model for the adapter, named after its directory, with a fingerprint combining this model's
     *     and the adapter files'
     * @throws ModelLoadException naming the adapter, the module and this model when they do not fit (also when
     *     this model is a TorchScript export, a served model or itself an adapter)
     * @throws IllegalStateException when this model is closed
     */
    public CausalLm withAdapter(Path adapterDirectory) {
        return withAdapter(AdapterFiles.in(adapterDirectory), false);
    }

    CausalLm withAdapter(AdapterFiles adapter, boolean ownBase) {
        checkOpen();
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
            CausalLm result = new CausalLm(files, adapter.directory(), this, ownBase, device, contextLength, vocabSize,
                    fp, weightDtypes, tok, nativeBase.withAdapter(lora, m), addBosToken);
            exclusively(() -> {
                ensureOpen();
                return adapters.add(result);
            });
            return result;
        } catch (RuntimeException e) {
            m.close();
            tok.close();
            throw e;
        }
    }

    /**
     * The base model of an adapter (the model itself otherwise).
     *
     * @return the model this adapter was applied to, or {@code this} when this model is not an adapter
     */
    public CausalLm baseModel() {
        return base == null ? this : base;
    }

    /**
     * Whether this is a LoRA adapter over {@link #baseModel()}.
     *
     * @return {@code true} for a model made by {@link #withAdapter(Path)} or loaded from an adapter directory
     */
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
     * (no self-check, no scoring). For Retention's own packages (it keys caches with the result).
     *
     * @param locator a model directory or a served model, as {@link #load(String, ModelOptions)} takes it
     * @param options the options the model would be loaded with (they decide the context window and BOS
     *     setting, and for a served model the tokenizer directory and serving settings)
     * @return what identifies the model: name, directory, fingerprint, context window
     * @throws ModelLoadException on missing or malformed files, as {@link #load(String, ModelOptions)} would
     * @throws ServingEngineException naming the endpoint when the serving engine cannot be asked
     * @throws IllegalArgumentException for a malformed served locator, a served model without a tokenizer
     *     directory in {@code options}, or a context window that cannot be told
     */
    @API(status = INTERNAL, since = "0.1")
    public static ModelDescriptor describe(String locator, ModelOptions options) {
        return ModelLoading.describe(locator, options);
    }

    /**
     * Describes a model directory without loading it (no native code runs): its fingerprint and the
     * context window scoring would use. Fails like {@link #load} on missing or malformed files. For Retention's
     * own packages.
     *
     * <p>For a PEFT adapter directory the base is described too (found as {@link #load(Path, ModelOptions)}
     * finds it) and becomes the descriptor's {@code base}; the fingerprint combines the base's and the adapter's.
     *
     * @param dir the model or adapter directory
     * @param options the options the model would be loaded with (context window, BOS setting, adapter base)
     * @return what identifies the model: name, absolute directory, fingerprint, context window
     * @throws ModelLoadException naming the file or key at fault, as {@link #load(Path, ModelOptions)} would
     */
    @API(status = INTERNAL, since = "0.1")
    public static ModelDescriptor describe(Path dir, ModelOptions options) {
        return ModelLoading.describe(dir, options);
    }

    /**
     * Log-probabilities of target tokens, one result per row, in one forward pass.
     *
     * <p>All rows are right-padded to the longest and masked. For row {@code r}, target {@code j} is
     * scored at input position {@code r.firstTarget() + j}: the log-softmax of the logits there, at
     * {@code r.targets()[j]}, plus whether that target is the argmax (first maximum on ties).
     *
     * <p>Consecutive rows that share a prefix of their input (the choices of one multiple-choice
     * item) run that prefix once on native models ({@code score(rows, false)}, inside this package, runs
     * every row whole). A served model scores each row's whole sequence on its engine, so there every target
     * but the last must be the next input token (teacher forcing).
     *
     * <p>For Retention's own packages: the evaluation layer builds the rows from suite items.
     *
     * @param rows the rows to score, each at most {@link #contextLength()} tokens long
     * @return one {@link TokenScores} per row, in the order of {@code rows}: natural-log probabilities and
     *     argmax ids per target
     * @throws NonFiniteLogitsException when the model produces NaN or infinite logits for a row
     * @throws IllegalArgumentException naming the model when a row is longer than the context window, or, for
     *     a served model, when a row is not teacher-forced
     * @throws IllegalStateException when this model is closed
     */
    @API(status = INTERNAL, since = "0.1")
    public List<TokenScores> score(List<ScoreRow> rows) {
        return score(rows, true);
    }

    /**
     * As {@link #score(List)}; with {@code sharePrefixes} false every row runs whole (the results
     * agree within float32 rounding; sharing only saves work).
     */
    List<TokenScores> score(List<ScoreRow> rows, boolean sharePrefixes) {
        return Scoring.score(this, rows, sharePrefixes);
    }

    /**
     * Compares this model's (the reference p) next-token distributions with {@code other}'s (q) at
     * every target position of {@code rows}: KL(p ‖ q) and both models' log-probabilities of the
     * actual next token. Both models must share the tokenizer. For Retention's own packages.
     *
     * <p>Both models run the same right-padded batch in one forward pass each, holding both models' locks
     * (taken in a fixed order, so two threads comparing the same pair never deadlock). The KL divergence is
     * computed in float32, in nats. Served models cannot take part: they give no full distributions.
     *
     * @param other the model compared with this one (q); it may be on another device
     * @param rows the positions to compare, each at most the smaller of the two context windows long
     * @return one {@link TokenDivergence} per row, in the order of {@code rows}
     * @throws IllegalArgumentException naming both models when their tokenizers ({@link #tokenizerFingerprint()})
     *     or vocabulary sizes differ, or when a row is longer than the smaller context window
     * @throws NonFiniteLogitsException naming the model whose logits are NaN or infinite for a row
     * @throws UnsupportedOperationException when either model is a served model
     * @throws IllegalStateException when either model is closed
     */
    @API(status = INTERNAL, since = "0.1")
    public List<TokenDivergence> divergence(CausalLm other, List<ScoreRow> rows) {
        return Scoring.divergence(this, other, rows);
    }

    /**
     * How many batches Retention's evaluation runs on this model at once, for Retention's own packages: the
     * engine's streams ({@link EngineThreads#streams()}) for a model run natively in Java, 1 for a
     * TorchScript export or a served model.
     *
     * @return at least 1
     */
    @API(status = INTERNAL, since = "0.1")
    public int concurrentCalls() {
        return backend.concurrentCalls() ? EngineThreads.streams() : 1;
    }

    /**
     * What this model's forward passes have run so far, for Retention's own benchmark: rows, real tokens and token
     * slots (rows × padded width) of every scoring pass (a packed row counts once) and every decoding prefill.
     *
     * @return {@code {rows, realTokens, slots}}, or {@code null} for a model not run natively in Java (TorchScript,
     *     served), which does not count them
     */
    @API(status = INTERNAL, since = "0.1")
    public long[] forwardCounts() {
        return backend instanceof NativeLm n ? n.forwardCounts() : null;
    }

    /**
     * Whether this model runs on a serving engine (generation then runs there whole, see {@link #generateServed}).
     *
     * @return {@code true} for a model loaded from an {@code http://} or {@code https://} locator
     */
    public boolean isServed() {
        return backend instanceof RemoteLm;
    }

    /**
     * Greedy completions of a served model, run whole on its engine (temperature 0, at most
     * {@code maxTokens}, ended by EOS or the first of {@code stop}; the text is not cut at the stop
     * string: the caller cuts it as it cuts local generations).
     *
     * <p>For Retention's own packages (the evaluation layer's greedy decoder). The ids are decoded with the
     * local tokenizer, special tokens skipped.
     *
     * @param prompts the prompts as token ids, one request each
     * @param maxTokens the most tokens to generate per prompt
     * @param stop strings that end a generation on the engine (may be empty)
     * @return per prompt: the generated ids (EOS excluded), their text and whether EOS ended it (or the
     *     {@code maxTokens} budget did)
     * @throws IllegalStateException when this model is not a served model (use {@link #greedy(List)}) or is closed
     * @throws ServingEngineException naming the endpoint when a request fails after its last retry
     */
    @API(status = INTERNAL, since = "0.1")
    public List<ServedGeneration> generateServed(List<int[]> prompts, int maxTokens, List<String> stop) {
        if (!(backend instanceof RemoteLm remote)) {
            throw new IllegalStateException(name + " is not a served model; use greedy()");
        }
        return calling(() -> { // close() waits for the call instead of closing the client and tokenizer under it
            List<ServedGeneration> out = new ArrayList<>(prompts.size());
            for (Completion c : remote.generate(prompts, maxTokens, stop)) {
                int[] ids = c.tokens();
                boolean eos = ids.length > 0 && tokenizer.specialTokens().eos().contains(ids[ids.length - 1]);
                int[] kept = eos ? java.util.Arrays.copyOf(ids, ids.length - 1) : ids;
                out.add(new ServedGeneration(kept, tokenizer.decode(kept), eos,
                        c.finishReason() == Completion.FinishReason.LENGTH));
            }
            return out;
        });
    }

    /**
     * Starts greedy decoding of {@code prompts} (each 1..contextLength tokens): native models keep a
     * KV cache and run one token per unfinished row per step; TorchScript exports re-run each
     * sequence. Close the session when done. For Retention's own packages (the evaluation layer's greedy
     * decoder).
     *
     * @param prompts the prompts as token ids; the list is copied, the arrays are not
     * @return a new session holding the decoding state; the caller closes it
     * @throws IllegalArgumentException naming the prompt when one is empty or longer than {@link #contextLength()}
     * @throws IllegalStateException when this model is a served model (use {@link #generateServed}) or is closed
     */
    @API(status = INTERNAL, since = "0.1")
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
        return calling(() -> new ModelGreedySession(this, backend.decode(backend.manager(), List.copyOf(prompts),
                tokenizer.specialTokens().padOrDefault())));
    }

    /** Whether {@link #close()} has begun; call holding the call lock ({@link #holding}). */
    boolean isClosed() {
        return closed;
    }

    /** This model's place in the total order two-model calls take locks in. */
    long order() {
        return order;
    }

    /** Fails when closed; call holding the call lock ({@link #calling} does). */
    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
    }

    void checkOpen() {
        calling(() -> null);
    }

    /**
     * The directory name, e.g. {@code lora}.
     *
     * @return the last element of the model's directory; for a served model, the served model name
     */
    public String name() {
        return name;
    }

    /**
     * The directory the model was loaded from.
     *
     * @return the absolute, normalised model directory (for an adapter, the adapter's directory); for a served
     *     model, the tokenizer directory as given in {@link ModelOptions#tokenizer()}
     */
    public Path directory() {
        return directory;
    }

    /**
     * SHA-256 over the weight files, tokenizer and config files (see {@link #directory()}).
     *
     * @return the fingerprint as 64 lower-case hex digits; for an adapter it combines the base's fingerprint with
     *     the adapter's files, for a served model the endpoint, what the engine reports about the model, the
     *     pinned revision and the local tokenizer files
     */
    public String fingerprint() {
        return fingerprint;
    }

    /**
     * SHA-256 over {@code tokenizer.json} alone: two models with the same value split every text into
     * the same tokens, so their per-token results can be compared. For Retention's own packages.
     *
     * @return the fingerprint of {@code tokenizer.json} (its name, length and content) as 64 lower-case hex digits
     */
    @API(status = INTERNAL, since = "0.1")
    public String tokenizerFingerprint() {
        return tokenizerFingerprint;
    }

    /**
     * The concrete device: {@code cpu} or {@code gpu:N}.
     *
     * @return the device the weights were placed on ({@code auto} resolved); {@code remote} for a served model
     */
    public String device() {
        return device;
    }

    /**
     * The context window: the most tokens a scored row or a greedy prompt may hold.
     *
     * @return the window in tokens, from {@link ModelOptions#contextLength()} when set, else from the model's
     *     {@code config.json} or {@code tokenizer_config.json} (for a served model, {@code max_model_len - 2})
     */
    public int contextLength() {
        return contextLength;
    }

    /**
     * Width of the logits (at least the tokenizer's vocabulary).
     *
     * @return the number of logits per position; for a served model, the tokenizer's vocabulary size
     */
    public int vocabSize() {
        return vocabSize;
    }

    /**
     * The model's tokenizer, for Retention's own packages (prompts are encoded with it before scoring).
     *
     * @return the tokenizer, owned by this model and closed with it
     */
    @API(status = INTERNAL, since = "0.1")
    public LmTokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The special token ids read from the model's tokenizer files, for Retention's own packages.
     *
     * @return BOS, EOS and padding ids as declared (never guessed)
     */
    @API(status = INTERNAL, since = "0.1")
    public SpecialTokens specialTokens() {
        return tokenizer.specialTokens();
    }

    /**
     * How the model runs, e.g. {@code llama (native)} or {@code TorchScript}. For Retention's own packages and
     * messages; the wording may change.
     *
     * @return a short description of the backend; for a served model, {@code served by} and the engine's URL
     */
    @API(status = INTERNAL, since = "0.1")
    public String kind() {
        return backend.kind();
    }

    /**
     * The descriptor of this model (as {@link #describe} would give). For Retention's own packages.
     *
     * @return a new descriptor of this model; for an adapter, with its base's descriptor as {@code base}
     */
    @API(status = INTERNAL, since = "0.1")
    public ModelDescriptor descriptor() {
        return new ModelDescriptor(name, directory, fingerprint, contextLength, addBosToken,
                base == null ? Optional.empty() : Optional.of(base.descriptor()));
    }

    /**
     * Storage types of the weights as stored, e.g. {@code [BF16]} or {@code [F32]} for a Hugging Face
     * checkpoint (computation is float32 either way), {@code [Float, Long]} in a TorchScript archive.
     * For Retention's own packages.
     *
     * @return an unmodifiable set of the storage type names; empty for a served model
     */
    @API(status = INTERNAL, since = "0.1")
    public Set<String> weightDtypes() {
        return weightDtypes;
    }

    /**
     * Number of NDArrays currently alive under this model's manager (its parameters and any
     * arrays a caller leaked); constant across calls when nothing leaks. For Retention's own tests and
     * benchmarks.
     *
     * @return the count of arrays under the manager; for an adapter, the manager of its own factors (the base's
     *     weights are counted on the base)
     */
    @API(status = INTERNAL, since = "0.1")
    public int liveArrayCount() {
        return countArrays(backend.manager());
    }

    private static int countArrays(NDManager m) {
        return m.getManagedArrays().size();
    }

    /** Weights by name, owned by the model (package-private use only: diagnostics). */
    Map<String, NDArray> parameters() {
        return calling(backend::parameters);
    }

    LmBackend backend() {
        return backend;
    }

    ModelFiles files() {
        return files;
    }

    /**
     * Frees the model's native memory and its tokenizer; later scoring and decoding calls fail with
     * {@link IllegalStateException} naming the model (the accessors keep answering).
     * Closing twice does nothing. An adapter loaded from an adapter directory closes the base it loaded too;
     * one made by {@link #withAdapter(Path)} leaves its base open. Closing a base model first closes the
     * adapters made over it that are still open.
     */
    @Override
    public void close() {
        List<CausalLm> open = exclusively(() -> {
            if (closed) {
                return null;
            }
            closed = true;
            List<CausalLm> copy = List.copyOf(adapters);
            adapters.clear();
            return copy;
        });
        if (open == null) {
            return; // closed before
        }
        RuntimeException failure = null;
        for (CausalLm adapter : open) { // each waits for its running call; none starts one now
            failure = closing(adapter::close, failure);
        }
        RuntimeException earlier = failure;
        failure = exclusively(() -> closing(tokenizer::close, closing(backend::close, earlier)));
        if (base != null) {
            base.exclusively(() -> base.adapters.remove(this));
            if (ownsBase) {
                failure = closing(base::close, failure);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs one step of {@link #close()}; a failure does not stop the later steps (it is thrown at the end). */
    private static RuntimeException closing(Runnable step, RuntimeException earlier) {
        try {
            step.run();
            return earlier;
        } catch (RuntimeException e) {
            if (earlier == null) {
                return e;
            }
            earlier.addSuppressed(e);
            return earlier;
        }
    }

    @Override
    public String toString() {
        return name + " (" + kind() + ", " + device + ", ctx " + contextLength + ", sha256 " + fingerprint.substring(0, 12)
                + ")";
    }
}
