package dev.retention.model.internal;

import ai.djl.Device;
import org.apiguardian.api.API;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Device names and placement. Names: {@code auto}, {@code cpu}, {@code gpu} (= {@code gpu:0}) and
 * {@code gpu:N}. With the CPU natives ({@code pytorch-native-cpu}) the engine reports no GPU, so
 * {@code auto} means CPU; with {@code pytorch-native-cu128} it means GPU 0.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class Devices {

    private Devices() {
    }

    /**
     * Number of GPUs the PyTorch engine reports (0 with the CPU natives). Starts the engine on first use.
     *
     * @return the GPU count, 0 or more
     */
    public static int gpuCount() {
        return EngineThreads.pytorch().getGpuCount();
    }

    /**
     * Validates a device name and returns it normalised ({@code auto}, {@code cpu} or {@code gpu:N}).
     * Case and surrounding blanks are ignored; {@code gpu} means {@code gpu:0}. Whether the GPU exists is not
     * checked (see {@link #resolve(String)}).
     *
     * @param name a device name as a user writes it
     * @return the normalised name
     *
     * @throws IllegalArgumentException naming the accepted forms
     */
    public static String parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("auto") || n.equals("cpu")) {
            return n;
        }
        if (n.equals("gpu")) {
            return "gpu:0";
        }
        if (n.startsWith("gpu:")) {
            try {
                int i = Integer.parseInt(n.substring(4));
                if (i >= 0) {
                    return "gpu:" + i;
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown device '" + name + "': use auto, cpu, gpu or gpu:N");
    }

    /**
     * Resolves a device name to a concrete device name ({@code cpu} or {@code gpu:N}), checking that
     * a requested GPU exists.
     *
     * @param name a device name as {@link #parse(String)} accepts it
     * @return {@code cpu} or {@code gpu:N}; {@code auto} gives {@code gpu:0} when the engine reports a GPU,
     *     else {@code cpu}
     * @throws IllegalArgumentException when the name is invalid, or names a GPU the engine does not report
     *     (the message gives the engine's GPU count)
     */
    public static String resolve(String name) {
        return resolve(name, gpuCount());
    }

    static String resolve(String name, int gpus) {
        String n = parse(name);
        if (n.equals("auto")) {
            return gpus > 0 ? "gpu:0" : "cpu";
        }
        if (n.startsWith("gpu:")) {
            int i = Integer.parseInt(n.substring(4));
            if (i >= gpus) {
                throw new IllegalArgumentException("device " + n + " requested but the PyTorch engine reports "
                        + gpus + " GPU(s)" + (gpus == 0 ? " (CPU natives on the class path? see README, GPU)" : ""));
            }
        }
        return n;
    }

    /**
     * Concrete devices for {@code count} models under a placement request: with {@code auto} and two
     * or more GPUs, models go round-robin over the GPUs; with one GPU all share it; without GPUs all
     * use the CPU. An explicit device name places every model there.
     *
     * @param request a device name as {@link #parse(String)} accepts it
     * @param count the number of models to place
     * @return {@code count} concrete device names ({@code cpu} or {@code gpu:N}), one per model in order
     * @throws IllegalArgumentException when the name is invalid, or names a GPU the engine does not report
     */
    public static List<String> place(String request, int count) {
        return place(request, count, gpuCount());
    }

    static List<String> place(String request, int count, int gpus) {
        String n = parse(request);
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            if (n.equals("auto")) {
                out.add(gpus == 0 ? "cpu" : "gpu:" + (i % gpus));
            } else {
                out.add(resolve(n, gpus));
            }
        }
        return out;
    }

    /**
     * The DJL device of a concrete device name.
     *
     * @param concrete {@code cpu} or {@code gpu:N}, as {@link #resolve(String)} returns
     * @return the device
     */
    public static Device toDjl(String concrete) {
        if (concrete.equals("cpu")) {
            return Device.cpu();
        }
        return Device.gpu(Integer.parseInt(concrete.substring(4)));
    }
}
