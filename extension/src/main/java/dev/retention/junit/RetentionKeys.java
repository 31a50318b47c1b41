package dev.retention.junit;

import org.apiguardian.api.API;

import static org.apiguardian.api.API.Status.STABLE;

/**
 * Every key Retention reads, in one place. The {@code retention.*} configuration parameters are read
 * once per test run from Surefire's {@code <configurationParameters>}, then JVM system properties
 * ({@code -Dkey=value}), then {@code junit-platform.properties}; an invalid or empty value fails the
 * run naming the key. {@link #THREADS}, {@link #STREAMS} and {@link #STDOUT} are JVM system properties only: the model
 * layer reads them outside JUnit.
 *
 * <p>Keys of one model take its role: {@code retention.baseline}, {@code retention.tuned} or
 * {@code retention.model.<name>}, followed by {@link #BASE_SUFFIX} or {@link #TOKENIZER_SUFFIX}.
 *
 * @since 0.1
 */
@API(status = STABLE, since = "0.1")
public final class RetentionKeys {

    /** Baseline model: a Hugging Face folder, a PEFT adapter folder or a served model {@code http://host:port/v1#name}. */
    public static final String BASELINE = "retention.baseline";

    /** Tuned model, as for {@link #BASELINE}; overrides {@code @RetentionTest(tuned)}. */
    public static final String TUNED = "retention.tuned";

    /** Prefix of a named model's key: {@code retention.model.<name>} overrides {@code @NamedModel(path)}. */
    public static final String MODEL_PREFIX = "retention.model.";

    /** Appended to a model's key: the base model folder of a PEFT adapter. */
    public static final String BASE_SUFFIX = ".base";

    /** Appended to a model's key: the local folder with a served model's {@code tokenizer.json} (required for one). */
    public static final String TOKENIZER_SUFFIX = ".tokenizer";

    /** Comma-separated suite files; the first is the default. */
    public static final String SUITE = "retention.suite";

    /** Comma-separated recorded baseline scorecards, one per suite. */
    public static final String BASELINE_RECORDED = "retention.baseline.recorded";

    /** {@code true}: score the baseline model and (re)write the recorded scorecards. Default {@code false}. */
    public static final String BASELINE_RECORD = "retention.baseline.record";

    /** {@code auto} (default), {@code cpu}, {@code gpu} or {@code gpu:N}. */
    public static final String DEVICE = "retention.device";

    /**
     * Rows per forward pass (default 16), where the choices of one item count as one row, and at most
     * {@code batchSize × 256} token slots.
     */
    public static final String BATCH_SIZE = "retention.batchSize";

    /** Template around the prompt of every item that is not a chat item; contains {@code {prompt}}. */
    public static final String PROMPT_TEMPLATE = "retention.promptTemplate";

    /** {@code auto} (default: the model's own), {@code none}, or a chat template path. */
    public static final String CHAT_TEMPLATE = "retention.chatTemplate";

    /** A system message before every chat item's user message. */
    public static final String CHAT_TEMPLATE_SYSTEM = "retention.chatTemplate.system";

    /** {@code true}: prepend BOS to every text. Default {@code false}. */
    public static final String ADD_BOS_TOKEN = "retention.addBosToken";

    /** Context window override; default from the model's {@code config.json}. */
    public static final String CONTEXT_LENGTH = "retention.contextLength";

    /** Scorecard cache: {@code read-write} (default), {@code read-only}, {@code refresh} or {@code off}. */
    public static final String CACHE_MODE = "retention.cache.mode";

    /** Scorecard cache directory; default {@code ~/.cache/retention/scorecards}. */
    public static final String CACHE_DIR = "retention.cache.dir";

    /** Where each run's report goes; default {@code target/retention}. */
    public static final String REPORT_DIR = "retention.report.dir";

    /** Least time between progress lines of long evaluations, in seconds; default 5. */
    public static final String PROGRESS_SECONDS = "retention.progress.seconds";

    /** NAME of the environment variable holding a serving engine's API key (never the key). */
    public static final String SERVING_API_KEY_ENV = "retention.serving.apiKeyEnv";

    /** Seconds per request to a serving engine; default 300. */
    public static final String SERVING_TIMEOUT = "retention.serving.timeout";

    /** Requests in flight per served model; default 8. */
    public static final String SERVING_CONCURRENCY = "retention.serving.concurrency";

    /** Retries after a 429, a 5xx, a connection error or a timeout; default 4. */
    public static final String SERVING_MAX_RETRIES = "retention.serving.maxRetries";

    /** A revision string pinned into the served models' identity, and so into the cache keys. */
    public static final String SERVING_REVISION = "retention.serving.revision";

    /** Per-token tolerance of a served model's self-check; default {@code 1e-3}, {@code 0.25} for bfloat16 servers. */
    public static final String SERVING_SELF_CHECK_TOLERANCE = "retention.serving.selfCheckTolerance";

    /** JVM system property: the cores Retention computes on; default the number of cores. */
    public static final String THREADS = "retention.threads";

    /**
     * JVM system property: batches run at once, each on {@code threads / streams} intra-op threads; default 2
     * (1 with a single thread).
     */
    public static final String STREAMS = "retention.streams";

    /** JVM system property: {@code false} silences the summary lines and the thread line. Default {@code true}. */
    public static final String STDOUT = "retention.stdout";

    private RetentionKeys() {
    }
}
