package dev.retention.eval.internal;

import org.apiguardian.api.API;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

import static org.apiguardian.api.API.Status.INTERNAL;

/**
 * Versions stamped into scorecards and cache keys (from the build's version.properties).
 *
 * <p>The resource {@code /dev/retention/version.properties} is read once, when the class initialises.
 * When it is missing, every version reads as unknown (see the methods); when it exists but cannot be
 * read, class initialisation fails with an {@link IllegalStateException} naming it.
 *
 * @since 0.1
 */
@API(status = INTERNAL, since = "0.1")
public final class LibraryVersion {

    private static final Properties PROPS = load();

    private LibraryVersion() {
    }

    /**
     * Retention's version, e.g. {@code 0.1.0-SNAPSHOT}.
     *
     * @return the {@code retention.version} property, or {@code unknown} when the resource lacks it
     */
    public static String retention() {
        return PROPS.getProperty("retention.version", "unknown");
    }

    /**
     * The inference engine, e.g. {@code DJL 0.35.1 / PyTorch 2.7.1}.
     *
     * @return {@code DJL <djl.version> / PyTorch <pytorch.version>} from the resource's properties, with
     *     {@code ?} for a version it lacks
     */
    public static String engine() {
        return "DJL " + PROPS.getProperty("djl.version", "?") + " / PyTorch " + PROPS.getProperty("pytorch.version", "?");
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = LibraryVersion.class.getResourceAsStream("/dev/retention/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot read dev/retention/version.properties", e);
        }
        return p;
    }
}
