package dev.retention.junit;

import dev.retention.model.CausalLm;
import dev.retention.model.internal.Devices;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.ModelOptions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Loads each distinct model (directory, fingerprint, device) at most once per test run and closes
 * them all at the end. Concurrent requests for one model wait for a single load; a model that
 * failed to load fails every later request at once with the original cause.
 *
 * <p>A PEFT adapter is never loaded with its own copy of the base: the base is loaded once (on the
 * baseline's device, slot 0) like any model, and each adapter is attached to it with
 * {@link CausalLm#withAdapter}, so the baseline and any number of adapters over it share the base
 * weights. The summary line counts loads from disk and names, per base, the adapters sharing it.
 */
final class ModelCache implements AutoCloseable {

    private record Key(Path directory, String fingerprint, String device) {
    }

    /** A model regardless of device. */
    private record Id(Path directory, String fingerprint) {
        static Id of(ModelDescriptor m) {
            return new Id(m.directory(), m.fingerprint());
        }
    }

    /** A base model's name and the adapters attached to it. */
    private record BaseUse(String name, List<String> adapters) {
    }

    private final ConcurrentHashMap<Key, CompletableFuture<CausalLm>> models = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Key, CompletableFuture<CausalLm>> adapters = new ConcurrentHashMap<>();
    private final Map<Id, BaseUse> bases = new LinkedHashMap<>();
    private final ConcurrentHashMap<Id, AtomicInteger> loadsById = new ConcurrentHashMap<>();
    private final AtomicInteger loads = new AtomicInteger();
    private final AtomicInteger hits = new AtomicInteger();
    private final ModelOptions options;
    private final Consumer<String> log;

    ModelCache(ModelOptions options, Consumer<String> log) {
        this.options = options;
        this.log = log;
    }

    /**
     * The loaded model, loading it on first request; a PEFT adapter is attached to its (shared) base.
     *
     * @param slot placement slot: 0 for the baseline, 1 for the tuned model, 2.. for named models;
     *     with {@code auto} and several GPUs, slots go round-robin over them (an adapter runs where
     *     its base is: on slot 0's device)
     */
    CausalLm get(ModelDescriptor model, int slot) {
        if (model.isAdapter()) {
            return adapter(model);
        }
        String device = Devices.place(options.device(), slot + 1).get(slot);
        Key key = new Key(model.directory(), model.fingerprint(), device);
        CompletableFuture<CausalLm> mine = new CompletableFuture<>();
        CompletableFuture<CausalLm> existing = models.putIfAbsent(key, mine);
        if (existing != null) {
            hits.incrementAndGet();
            return await(existing, model);
        }
        loads.incrementAndGet();
        loadsById.computeIfAbsent(Id.of(model), k -> new AtomicInteger()).incrementAndGet();
        log.accept("retention: loading " + model.name() + " (sha256 " + model.fingerprint().substring(0, 12) + ") on "
                + device + placement(device));
        try {
            mine.complete(CausalLm.load(model.directory(), options.withDevice(device)));
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
        }
        return await(mine, model);
    }

    private CausalLm adapter(ModelDescriptor adapter) {
        ModelDescriptor baseModel = adapter.base().orElseThrow();
        String device = Devices.place(options.device(), 1).get(0);
        Key key = new Key(adapter.directory(), adapter.fingerprint(), device);
        CompletableFuture<CausalLm> mine = new CompletableFuture<>();
        CompletableFuture<CausalLm> existing = adapters.putIfAbsent(key, mine);
        if (existing != null) {
            hits.incrementAndGet();
            return await(existing, adapter);
        }
        try {
            CausalLm base = get(baseModel, 0);
            log.accept("retention: attaching adapter " + adapter.name() + " (sha256 " + adapter.fingerprint()
                    .substring(0, 12) + ") to " + baseModel.name() + " (sha256 " + baseModel.fingerprint().substring(0, 12)
                    + ") on " + base.device() + ", sharing its weights");
            mine.complete(base.withAdapter(adapter.directory()));
            synchronized (bases) {
                bases.computeIfAbsent(Id.of(baseModel), k -> new BaseUse(baseModel.name(), new ArrayList<>()))
                        .adapters().add(adapter.name());
            }
        } catch (RuntimeException | Error e) {
            mine.completeExceptionally(e);
        }
        return await(mine, adapter);
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
            String what = model.base().map(b -> "adapter " + model.name() + " at " + model.directory()
                    + " over base model " + b.name() + " at " + b.directory()).orElse("model " + model.name() + " at "
                    + where);
            throw new IllegalStateException(what + " could not be loaded in this run: " + cause.getMessage(), cause);
        }
    }

    /** Models loaded from disk (bases included; attached adapters are not loads). */
    int loads() {
        return loads.get();
    }

    int hits() {
        return hits.get();
    }

    /**
     * {@code <loads> loads, <hits> hits}, and per base model with adapters attached
     * {@code ; <base> loaded once, shared by <k> adapters (<names>)}.
     */
    String summary() {
        StringBuilder s = new StringBuilder(loads.get() + " loads, " + hits.get() + " hits");
        synchronized (bases) {
            if (bases.isEmpty()) {
                return s.toString();
            }
            for (Map.Entry<Id, BaseUse> e : bases.entrySet()) {
                AtomicInteger n = loadsById.get(e.getKey());
                int times = n == null ? 0 : n.get();
                List<String> names = e.getValue().adapters().stream().sorted().toList();
                s.append("; ").append(e.getValue().name()).append(" loaded ")
                        .append(times == 1 ? "once" : times + " times").append(", shared by ").append(names.size())
                        .append(names.size() == 1 ? " adapter (" : " adapters (").append(String.join(", ", names))
                        .append(')');
            }
        }
        return s.toString();
    }

    /** Closes every adapter, then every loaded model, then prints the one cache summary line of the run. */
    @Override
    public void close() {
        List<RuntimeException> failures = new ArrayList<>();
        for (Map<Key, CompletableFuture<CausalLm>> m : List.of(adapters, models)) {
            for (CompletableFuture<CausalLm> f : m.values()) {
                if (f.isDone() && !f.isCompletedExceptionally()) {
                    try {
                        f.join().close();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }
            m.clear();
        }
        log.accept("retention: model cache: " + summary());
        if (!failures.isEmpty()) {
            RuntimeException first = failures.get(0);
            failures.subList(1, failures.size()).forEach(first::addSuppressed);
            throw first;
        }
    }
}
