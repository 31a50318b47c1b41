package dev.retention.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Inspects a {@code .pt} file before any native code touches it.
 *
 * <p>A TorchScript archive is a zip holding {@code code/} (the serialized program) and pickles that
 * name each tensor storage by type, e.g. {@code torch\nFloatStorage}. This lets Retention refuse
 * bfloat16 weights (which abort the JVM inside DJL's PyTorch engine) and plain {@code torch.save}
 * checkpoints (a zip without {@code code/}) with a clear message instead of a native crash.
 */
final class TorchScriptArchive {

    private static final Pattern STORAGE = Pattern.compile("torch\\n(\\w+)Storage");

    private TorchScriptArchive() {
    }

    /**
     * Checks an entry's bytes against the CRC-32 its zip header records: a flipped bit anywhere in the
     * weights is a load error, not a score. (Java's ZipFile does not check CRCs of stored entries,
     * which is how torch.jit.save writes tensors.)
     */
    private static void verifyCrc(ZipFile zip, ZipEntry e, Path pt) throws IOException {
        if (e.isDirectory() || e.getCrc() < 0) {
            return;
        }
        CRC32 crc = new CRC32();
        byte[] buf = new byte[1 << 16];
        try (InputStream in = zip.getInputStream(e)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                crc.update(buf, 0, n);
            }
        }
        if (crc.getValue() != e.getCrc()) {
            throw new ModelLoadException(pt, "entry '" + e.getName() + "' is corrupt: its bytes have CRC-32 "
                    + Long.toHexString(crc.getValue()) + " but the archive records " + Long.toHexString(e.getCrc())
                    + "; the file was damaged after it was written (copy it again from its source)");
        }
    }

    /** The storage dtypes found, e.g. {@code [Float, Long]}; throws if the file is unusable or corrupt. */
    static Set<String> checkLoadable(Path pt) {
        Set<String> dtypes = new TreeSet<>();
        boolean hasCode = false;
        boolean hasPickle = false;
        try (ZipFile zip = new ZipFile(pt.toFile())) {
            Enumeration<? extends ZipEntry> entries = zip.entries();
            while (entries.hasMoreElements()) {
                ZipEntry e = entries.nextElement();
                String name = e.getName();
                verifyCrc(zip, e, pt);
                if (name.contains("/code/")) {
                    hasCode = true;
                }
                if (name.endsWith(".pkl")) {
                    hasPickle = true;
                    try (InputStream in = zip.getInputStream(e)) {
                        Matcher m = STORAGE.matcher(new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
                        while (m.find()) {
                            dtypes.add(m.group(1));
                        }
                    }
                }
            }
        } catch (ZipException e) {
            throw new ModelLoadException(pt, "not a TorchScript archive (not a zip file: " + e.getMessage()
                    + "); export the model with torch.jit.trace or torch.jit.script and torch.jit.save");
        } catch (IOException e) {
            throw new ModelLoadException(pt, "cannot read: " + e.getMessage(), e);
        }
        if (!hasPickle) {
            throw new ModelLoadException(pt, "not a TorchScript archive (a zip without the pickled model data)");
        }
        if (!hasCode) {
            throw new ModelLoadException(pt, "a torch.save checkpoint or state_dict, not TorchScript (no code/ "
                    + "in the archive); export with torch.jit.trace(model, example_inputs) and torch.jit.save");
        }
        if (dtypes.contains("BFloat16")) {
            throw new ModelLoadException(pt, "holds bfloat16 tensors, which DJL's PyTorch engine cannot handle "
                    + "(it aborts the JVM); re-export in float32 or float16, e.g. model.float() before tracing");
        }
        return dtypes;
    }
}
