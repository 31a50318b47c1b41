package dev.retention.model;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A PEFT {@code adapter_config.json} for a LoRA adapter, with PEFT's rules for which modules it
 * targets ({@code target_modules} as a list of names or a regex, {@code exclude_modules},
 * {@code layers_to_transform}) and each module's rank and alpha ({@code rank_pattern},
 * {@code alpha_pattern}). Tuners and LoRA variants with other math are refused by name.
 */
record PeftConfig(Path file, String baseModel, int r, double alpha, boolean rslora, boolean fanInFanOut,
                  String bias, boolean loraBias, Optional<String> targetRegex, List<String> targetNames,
                  Optional<String> excludeRegex, List<String> excludeNames, List<Integer> layersToTransform,
                  List<String> layersPattern, Map<String, Integer> rankPattern, Map<String, Double> alphaPattern,
                  List<String> modulesToSave) {

    static PeftConfig read(Path file) {
        HfConfig c = HfConfig.read(file);
        String type = c.requireString("peft_type");
        if (!type.equals("LORA")) {
            throw c.refuse("peft_type", "is " + type + "; Retention applies LoRA adapters only (IA3, AdaLoRA, LoHa, "
                    + "LoKr, OFT, prompt tuning and the other tuners compute differently); merge this adapter into the "
                    + "base with merge_and_unload() and save_pretrained the result to test it as a full model");
        }
        refuseIfTrue(c, "use_dora", "DoRA (weight-decomposed LoRA) scales each column by a learned magnitude");
        refuseIfTrue(c, "use_qalora", "QA-LoRA pools the input in groups");
        refuseIfSet(c, "layer_replication", "it duplicates base layers");
        refuseIfSet(c, "target_parameters", "it targets parameters (e.g. expert weights) rather than modules");
        refuseIfSet(c, "trainable_token_indices", "it trains individual token embeddings");
        refuseIfSet(c, "alora_invocation_tokens", "activated LoRA switches on at invocation tokens");
        refuseIfSet(c, "megatron_config", "it targets Megatron parallel layers");
        String bias = c.string("bias").orElse("none");
        if (!List.of("none", "all", "lora_only").contains(bias)) {
            throw c.refuse("bias", "is '" + bias + "'; expected none, all or lora_only");
        }
        int r = c.requireInt("r");
        if (r < 1) {
            throw c.refuse("r", "is " + r + "; a LoRA rank is at least 1");
        }
        Optional<String> targetRegex = Optional.empty();
        List<String> targetNames = List.of();
        if (c.isString("target_modules")) {
            String t = c.string("target_modules").get();
            if (t.equalsIgnoreCase("all-linear")) {
                throw c.refuse("target_modules", "is 'all-linear', which PEFT expands when it creates the adapter "
                        + "and never saves; this file was not written by PEFT's save_pretrained");
            }
            targetRegex = Optional.of(t);
        } else {
            targetNames = c.strings("target_modules").orElseThrow(() -> c.refuse("target_modules",
                    "is missing; a LoRA adapter names the modules it adapts"));
        }
        Optional<String> excludeRegex = Optional.empty();
        List<String> excludeNames = List.of();
        if (c.isString("exclude_modules")) {
            excludeRegex = c.string("exclude_modules");
        } else if (c.has("exclude_modules")) {
            excludeNames = c.strings("exclude_modules").orElse(List.of());
        }
        List<Integer> layers = List.of();
        if (c.isNumber("layers_to_transform")) {
            layers = List.of(c.integer("layers_to_transform").getAsInt());
        } else if (c.has("layers_to_transform")) {
            layers = c.numbers("layers_to_transform").map(a -> java.util.Arrays.stream(a).mapToInt(d -> (int) d)
                    .boxed().toList()).orElse(List.of());
        }
        List<String> layersPattern = c.isString("layers_pattern") ? List.of(c.requireString("layers_pattern"))
                : c.strings("layers_pattern").orElse(List.of());
        Map<String, Integer> rankPattern = new LinkedHashMap<>();
        c.nested("rank_pattern").ifPresent(p -> p.keys().forEach(k -> rankPattern.put(k, p.requireInt(k))));
        Map<String, Double> alphaPattern = new LinkedHashMap<>();
        c.nested("alpha_pattern").ifPresent(p -> p.keys().forEach(k -> alphaPattern.put(k, p.number(k).orElseThrow(
                () -> p.refuse(k, "is not a number")))));
        PeftConfig config = new PeftConfig(file, c.string("base_model_name_or_path").orElse(""), r,
                c.number("lora_alpha").orElse(8), c.boolOr("use_rslora", false), c.boolOr("fan_in_fan_out", false), bias,
                c.boolOr("lora_bias", false), targetRegex, targetNames, excludeRegex, excludeNames, layers, layersPattern,
                rankPattern, alphaPattern, c.strings("modules_to_save").orElse(List.of()));
        config.checkPatterns(c);
        return config;
    }

    private static void refuseIfTrue(HfConfig c, String key, String why) {
        if (c.boolOr(key, false)) {
            throw c.refuse(key, "is true, which Retention does not implement (" + why + "); merge the adapter into "
                    + "the base (merge_and_unload) and test the merged model");
        }
    }

    private static void refuseIfSet(HfConfig c, String key, String why) {
        if (c.isSet(key)) {
            throw c.refuse(key, "is set, which Retention does not implement (" + why + "); merge the adapter into "
                    + "the base (merge_and_unload) and test the merged model");
        }
    }

    private void checkPatterns(HfConfig c) {
        try {
            targetRegex.ifPresent(Pattern::compile);
            excludeRegex.ifPresent(Pattern::compile);
            rankPattern.keySet().forEach(PeftConfig::patternKey);
            alphaPattern.keySet().forEach(PeftConfig::patternKey);
        } catch (PatternSyntaxException e) {
            throw c.refuse("target_modules", "holds a pattern Java cannot read: " + e.getDescription() + " in '"
                    + e.getPattern() + "'");
        }
    }

    /** PEFT's {@code check_target_module_exists}: whether the module {@code key} gets a LoRA. */
    boolean targets(String key) {
        if (excludeRegex.isPresent() ? Pattern.compile(excludeRegex.get()).matcher(key).matches()
                : excludeNames.contains(key) || excludeNames.stream().anyMatch(e -> key.endsWith("." + e))) {
            return false;
        }
        if (modulesToSave.stream().anyMatch(m -> Pattern.compile("(^|.*\\.)" + m + "($|\\..*)").matcher(key).matches())) {
            return false;
        }
        if (targetRegex.isPresent()) {
            return Pattern.compile(targetRegex.get()).matcher(key).matches();
        }
        if (targetNames.contains(key)) {
            return true;
        }
        boolean found = targetNames.stream().anyMatch(t -> key.endsWith("." + t));
        if (!found || layersToTransform.isEmpty()) {
            return found;
        }
        OptionalInt index = layerIndex(key);
        return index.isPresent() && layersToTransform.contains(index.getAsInt());
    }

    private OptionalInt layerIndex(String key) {
        List<String> patterns = layersPattern.isEmpty() ? List.of() : layersPattern;
        Matcher m = null;
        if (patterns.isEmpty()) {
            m = Pattern.compile(".*?\\.[^.]*\\.(?<idx>\\d+)\\..*").matcher(key);
        } else {
            for (String p : patterns) {
                m = Pattern.compile("(?:^|.*?\\.)" + p + "\\.(?<idx>\\d+)\\..*").matcher(key);
                if (m.matches()) {
                    break;
                }
            }
        }
        return m != null && m.matches() ? OptionalInt.of(Integer.parseInt(m.group("idx"))) : OptionalInt.empty();
    }

    /** The rank PEFT gives {@code key}: the first {@code rank_pattern} entry it matches, else {@code r}. */
    int rankOf(String key) {
        for (Map.Entry<String, Integer> e : rankPattern.entrySet()) {
            if (patternKey(e.getKey()).matcher(key).matches()) {
                return e.getValue();
            }
        }
        return r;
    }

    /** The alpha PEFT gives {@code key}: the first {@code alpha_pattern} entry it matches, else {@code lora_alpha}. */
    double alphaOf(String key) {
        for (Map.Entry<String, Double> e : alphaPattern.entrySet()) {
            if (patternKey(e.getKey()).matcher(key).matches()) {
                return e.getValue();
            }
        }
        return alpha;
    }

    /** PEFT's scaling of {@code key}: {@code alpha / r}, or {@code alpha / √r} with rsLoRA. */
    double scalingOf(String key) {
        int rank = rankOf(key);
        return rslora ? alphaOf(key) / Math.sqrt(rank) : alphaOf(key) / rank;
    }

    /** PEFT's {@code get_pattern_key}: {@code re.match(rf"(.*\.)?({key})$", name)}. */
    private static Pattern patternKey(String key) {
        return Pattern.compile("(.*\\.)?(" + key + ")$");
    }
}
