package dev.retention.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A PEFT LoRA adapter applied, unmerged, to a base model's projections exactly as PEFT's forward
 * does: {@code y = base(x) + B(A(x)) · scaling}, {@code scaling = alpha / r} ({@code alpha / √r} with
 * rsLoRA), per-module rank and alpha from {@code rank_pattern} / {@code alpha_pattern}. Trained biases
 * ({@code bias = "all"} or {@code "lora_only"}) replace the base biases; {@code modules_to_save}
 * replace whole projections. Only the adapter's own tensors are loaded: the base weights stay shared.
 *
 * <p>The adapter file and its config must agree with each other and with the base: every module
 * the config targets has factors, every factor belongs to a targeted projection of the base, and
 * every shape fits; anything else is refused, naming the adapter, the module and the base.
 */
final class LoraAdapter implements Adapter, AutoCloseable {

    private static final String PREFIX = "base_model.model.";

    /** One module's low-rank update. */
    record Lora(NDArray a, NDArray b, NDArray bBias, float scaling, int rank) {
    }

    private final NDManager manager;
    private final PeftConfig config;
    private final Map<String, Lora> loras;
    private final Map<String, Linear> replaced;

    private LoraAdapter(NDManager manager, PeftConfig config, Map<String, Lora> loras, Map<String, Linear> replaced) {
        this.manager = manager;
        this.config = config;
        this.loras = loras;
        this.replaced = replaced;
    }

    /** Loads the adapter's tensors onto {@code manager} (which the adapter then owns) and checks them against {@code base}. */
    static LoraAdapter load(Path dir, PeftConfig config, TensorSource tensors, DecoderWeights base, NDManager manager) {
        Map<String, Linear> projections = projections(base);
        Map<String, NDArray> a = new LinkedHashMap<>();
        Map<String, NDArray> b = new LinkedHashMap<>();
        Map<String, NDArray> bBias = new LinkedHashMap<>();
        Map<String, NDArray> bias = new LinkedHashMap<>();
        Map<String, NDArray> savedWeight = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (String name : tensors.names()) {
            if (!name.startsWith(PREFIX)) {
                unknown.add(name);
                continue;
            }
            String key = name.substring(PREFIX.length());
            if (key.endsWith(".lora_A.weight")) {
                a.put(strip(key, ".lora_A.weight"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".lora_B.weight")) {
                b.put(strip(key, ".lora_B.weight"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".lora_B.bias")) {
                bBias.put(strip(key, ".lora_B.bias"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".base_layer.bias")) {
                bias.put(strip(key, ".base_layer.bias"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".bias") && projections.containsKey(strip(key, ".bias"))
                    && !config.modulesToSave().contains(lastPart(strip(key, ".bias")))) {
                bias.put(strip(key, ".bias"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".weight") && isSaved(config, strip(key, ".weight"))) {
                savedWeight.put(strip(key, ".weight"), tensors.loadFloat32(name, manager));
            } else if (key.endsWith(".bias") && isSaved(config, strip(key, ".bias"))) {
                bias.put(strip(key, ".bias"), tensors.loadFloat32(name, manager));
            } else {
                unknown.add(name);
            }
        }
        Path file = tensors.location();
        if (!unknown.isEmpty()) {
            throw new ModelLoadException(file, unknown.size() + " tensor(s) are not LoRA factors, biases or "
                    + "modules_to_save of a LoRA adapter, e.g. " + unknown.stream().limit(3).toList()
                    + " (embedding LoRA, DoRA magnitudes and other tuners are not supported)");
        }
        Map<String, Lora> loras = new LinkedHashMap<>();
        for (String module : a.keySet()) {
            Linear target = projections.get(module);
            if (target == null) {
                throw new ModelLoadException(file, "the adapter has LoRA factors for '" + module + "', which the base "
                        + "model (" + base.spec().modelType() + ") has no projection of; the adapter was trained on another "
                        + "base model");
            }
            if (!b.containsKey(module)) {
                throw new ModelLoadException(file, "'" + module + "' has lora_A but no lora_B");
            }
            if (!config.targets(module)) {
                throw new ModelLoadException(file, "the adapter has LoRA factors for '" + module + "' but "
                        + config.file().getFileName() + " does not target it (target_modules " + targetsText(config)
                        + "); the file and its config do not belong together");
            }
            NDArray fa = a.get(module);
            NDArray fb = b.get(module);
            int rank = config.rankOf(module);
            long[] sa = fa.getShape().getShape();
            long[] sb = fb.getShape().getShape();
            long in = target.inFeatures();
            long out = target.outFeatures();
            if (!Arrays.equals(sa, new long[] {rank, in}) || !Arrays.equals(sb, new long[] {out, rank})) {
                throw new ModelLoadException(file, "'" + module + "' has lora_A " + Arrays.toString(sa) + " and lora_B "
                        + Arrays.toString(sb) + ", but rank " + rank + " over the base projection of " + in + " inputs and "
                        + out + " outputs needs [" + rank + ", " + in + "] and [" + out + ", " + rank
                        + "]: the adapter does not fit this base model");
            }
            NDArray lb = bBias.get(module);
            if (config.loraBias() != (lb != null)) {
                throw new ModelLoadException(file, "'" + module + "': lora_bias is " + config.loraBias()
                        + " in the config but lora_B.bias is " + (lb == null ? "absent" : "present"));
            }
            loras.put(module, new Lora(fa, fb, lb, (float) config.scalingOf(module), rank));
        }
        for (String module : b.keySet()) {
            if (!a.containsKey(module)) {
                throw new ModelLoadException(file, "'" + module + "' has lora_B but no lora_A");
            }
        }
        for (String module : projections.keySet()) {
            if (config.targets(module) && !loras.containsKey(module)) {
                throw new ModelLoadException(file, config.file().getFileName() + " targets '" + module
                        + "' but the adapter has no LoRA factors for it; the file is incomplete");
            }
        }
        Map<String, Linear> replaced = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : bias.entrySet()) {
            Linear target = projections.get(e.getKey());
            if (target == null || !Arrays.equals(e.getValue().getShape().getShape(), new long[] {target.outFeatures()})) {
                throw new ModelLoadException(file, "the adapter's bias for '" + e.getKey() + "' does not fit a projection "
                        + "of the base model");
            }
            replaced.put(e.getKey(), new Linear(e.getKey(), target.weight(), e.getValue(), target.conv1d()));
        }
        for (Map.Entry<String, NDArray> e : savedWeight.entrySet()) {
            Linear target = projections.get(e.getKey());
            if (target == null) {
                throw new ModelLoadException(file, "modules_to_save entry '" + e.getKey() + "' is not a projection of "
                        + "the base model Retention can replace (only linear layers such as lm_head are supported)");
            }
            if (!Arrays.equals(e.getValue().getShape().getShape(), target.weight().getShape().getShape())) {
                throw new ModelLoadException(file, "the saved '" + e.getKey() + "' has shape "
                        + e.getValue().getShape() + " but the base's is " + target.weight().getShape());
            }
            NDArray bias2 = bias.get(e.getKey());
            replaced.put(e.getKey(), new Linear(e.getKey(), e.getValue(), bias2 != null ? bias2 : target.bias(),
                    target.conv1d()));
        }
        return new LoraAdapter(manager, config, Map.copyOf(loras), Map.copyOf(replaced));
    }

    private static String targetsText(PeftConfig c) {
        return c.targetRegex().map(r -> "'" + r + "'").orElse(c.targetNames().toString());
    }

    private static boolean isSaved(PeftConfig config, String module) {
        return config.modulesToSave().stream().anyMatch(m -> module.equals(m) || module.endsWith("." + m));
    }

    private static String strip(String s, String suffix) {
        return s.substring(0, s.length() - suffix.length());
    }

    private static String lastPart(String module) {
        return module.substring(module.lastIndexOf('.') + 1);
    }

    /** Every linear projection of the base model by module name. */
    static Map<String, Linear> projections(DecoderWeights base) {
        Map<String, Linear> out = new LinkedHashMap<>();
        for (int i = 0; i < base.spec().layers(); i++) {
            for (Linear l : base.layer(i).linears().values()) {
                out.put(l.module(), l);
            }
        }
        out.put(base.lmHead().module(), base.lmHead());
        return out;
    }

    @Override
    public Linear base(Linear l) {
        Linear r = replaced.get(l.module());
        return r == null ? l : r;
    }

    @Override
    public NDArray apply(String module, NDArray x, NDArray y) {
        Lora lora = loras.get(module);
        if (lora == null) {
            return y;
        }
        // y is the base projection's own fresh output: the low-rank term is added into it, and the term's
        // temporaries are freed at once rather than when the call's manager closes, so an adapter's forward
        // pass holds no more memory than the base's (the same sums as y + up * scaling, bit for bit)
        NDArray down = x.getNDArrayInternal().linear(x, lora.a(), null).singletonOrThrow();
        NDArray up = down.getNDArrayInternal().linear(down, lora.b(), lora.bBias()).singletonOrThrow();
        down.close();
        y.addi(up.muli(Transformer.scalar(up, lora.scaling())));
        up.close();
        return y;
    }

    PeftConfig config() {
        return config;
    }

    /** Each adapted module's factors, for weight diagnostics. */
    Map<String, Lora> loras() {
        return loras;
    }

    /** Projections whose weights or bias the adapter replaces. */
    Map<String, Linear> replaced() {
        return replaced;
    }

    @Override
    public void close() {
        manager.close();
    }
}
