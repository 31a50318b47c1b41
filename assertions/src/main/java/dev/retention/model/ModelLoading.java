package dev.retention.model;

import ai.djl.ndarray.NDManager;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import dev.retention.model.internal.ModelDescriptor;
import dev.retention.model.internal.Devices;
import dev.retention.model.internal.LmTokenizer;

/**
 * How a {@link CausalLm} comes to be: a served model is connected and self-checked, a directory is
 * read (adapter, Hugging Face folder or legacy TorchScript export), validated against its tokenizer
 * and loaded onto its device; {@code describe} reads only what identifies a model, running no native
 * code.
 */
final class ModelLoading {

    private ModelLoading() {
    }

    static CausalLm load(String locator, ModelOptions options) {
        if (ServingEndpoint.isEndpoint(locator)) {
            return connect(ServingEndpoint.parse(locator), options);
        }
        return load(Path.of(locator), options);
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

    static CausalLm load(Path dir, ModelOptions options) {
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

    static ModelDescriptor describe(String locator, ModelOptions options) {
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

    static ModelDescriptor describe(Path dir, ModelOptions options) {
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
}
