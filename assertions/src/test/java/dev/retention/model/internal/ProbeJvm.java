package dev.retention.model.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A class's {@code main} in a fresh JVM on the test class path, for settings libtorch and glibc read once per
 * process: the environment holds no OpenMP or glibc malloc setting unless given, and DJL stays offline.
 */
final class ProbeJvm {

    /** What the probe JVM did. */
    record Result(int exit, String stdout, String stderr) {
    }

    private ProbeJvm() {
    }

    /**
     * @param main the class whose {@code main} runs
     * @param env {@code NAME=value} entries added to the cleaned environment
     * @param jvmArgs options before the class name
     * @param args the program's arguments
     */
    static Result run(Class<?> main, List<String> env, List<String> jvmArgs, List<String> args)
            throws IOException, InterruptedException {
        Path java = Paths.get(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true"));
        cmd.addAll(jvmArgs);
        cmd.add(main.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        for (String key : List.of("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES",
                "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX")) {
            e.remove(key);
        }
        e.put("DJL_OFFLINE", "true");
        for (String kv : env) {
            String[] p = kv.split("=", 2);
            e.put(p[0], p[1]);
        }
        Path out = Files.createTempFile("probe-jvm", ".out");
        Path err = Files.createTempFile("probe-jvm", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the probe JVM did not end within 120 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
