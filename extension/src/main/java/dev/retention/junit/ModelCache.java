package dev.retention.junit;

import dev.retention.model.CausalLm;
import dev.retention.model.Devices;
import dev.retention.model.ModelDescriptor;
import dev.retention.model.ModelOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Loads each distinct model (directory, fingerprint, device) at most once per test run and closes
 * them all at the end. Concurrent requests for one model wait for a single load; a model that
 * failed to load fails every later request at once with the original cause.
 */
final class ModelCache implements AutoCloseable {

    private record Key(Path directory, String fingerprint, String device) {
    }

    private final ConcurrentHashMap<Key, CompletableFuture<CausalLm>> models = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger hits = new AtomicInteger();
    private final ModelOptions options;
    private final Consumer<String> log;

    ModelCache(ModelOptions options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    /**
     * The loaded model, loading it on first request.
     *
     * @param slot placement slot: 0 for the baseline, 1 for the tuned model, 2.. for named models;
     *     with {@code auto} and several GPUs, slots go round-robin over them
     */
    CausalLm get(ModelDescriptor model, int slot) {
        String device = Devices.place(options.device(), slot + 1).get(slot);
        Key key = new Key(model.directory(), model.fingerprint(), device);
        CompletableFuture<CausalLm> mine = new CompletableFuture<>();
        CompletableFuture<CausalLm> existing = models.putIfAbsent(key, mine);
        if (existing != null) {
            hits.incrementAndGet();
            return await(existing, model);
        }
        loads.incrementAndGet();
        log.accept("retention: loading " + model.name() + " (sha256 " + model.fingerprint().substring(0, 12) + ") on "
                + device + placement(device));
        try {
            mine.complete(CausalLm.load(model.directory(), options.withDevice(device)));
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
        }
        return await(mine, model);
    }

    /**
     * The model served at {@code locator}, connected on first request: the engine must serve it and pass the
     * self-check (see {@link CausalLm#load(String, ModelOptions)}). Keyed by its identity, which covers the endpoint.
     */
    CausalLm served(String locator, ModelDescriptor model, ModelOptions servedOptions) {
        Key key = new Key(model.directory(), model.fingerprint(), "served");
        CompletableFuture<CausalLm> mine = new CompletableFuture<>();
        CompletableFuture<CausalLm> existing = models.putIfAbsent(key, mine);
        if (existing != null) {
            hits.incrementAndGet();
            return await(existing, model, locator);
        }
        loads.incrementAndGet();
        log.accept("retention: connecting to " + model.name() + " at " + locator + " (identity sha256 "
                + model.fingerprint().substring(0, 12) + ", tokenizer " + model.directory()
                + servedOptions.serving().apiKeyVariable().map(v -> ", API key from $" + v).orElse("")
                + "); self-check first");
        try {
            mine.complete(CausalLm.load(locator, servedOptions));
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
        }
        return await(mine, model, locator);
    }

    private String placement(String device) {
        if (!options.device().equals("auto")) {
            return " (retention.device=" + options.device() + ")";
        }
        int gpus = Devices.gpuCount();
        return " (auto: the engine reports " + gpus + " GPU" + (gpus == 1 ? "" : "s") + ")";
    }

    private static CausalLm await(CompletableFuture<CausalLm> f, ModelDescriptor model) {
        return await(f, model, model.directory().toString());
    }

    private static CausalLm await(CompletableFuture<CausalLm> f, ModelDescriptor model, String where) {
        try {
            return f.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            throw new IllegalStateException("model " + model.name() + " at " + where
                    + " could not be loaded in this run: " + cause.getMessage(), cause);
        }
    }

    int loads() {
        return loads.get();
    }

    int hits() {
        return hits.get();
    }

    /** Closes every loaded model, then prints the one cache summary line of the run. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (CompletableFuture<CausalLm> f : models.values()) {
            if (f.isDone() && !f.isCompletedExceptionally()) {
                try {
                    f.join().close();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        }
        models.clear();
        log.accept("retention: model cache: " + loads.get() + " loads, " + hits.get() + " hits");
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
