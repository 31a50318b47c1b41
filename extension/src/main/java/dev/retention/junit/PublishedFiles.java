package dev.retention.junit;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.function.ThrowingConsumer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code ExtensionContext.publishFile} across JUnit lines: 6.x (and 5.14) take
 * {@code org.junit.jupiter.api.MediaType}; 5.13 only has {@code org.junit.jupiter.api.extension.MediaType},
 * which 6.x deprecates for removal. The first type present is used, found reflectively so one
 * binary works on every supported line.
 */
final class PublishedFiles {

    private static final List<String> MEDIA_TYPES =
            List.of("org.junit.jupiter.api.MediaType", "org.junit.jupiter.api.extension.MediaType");

    private PublishedFiles() {
    }

    static void publish(ExtensionContext context, String name, String mediaType, ThrowingConsumer<Path> writer) {
        for (String typeName : MEDIA_TYPES) {
            Class<?> type;
            Method publish;
            try {
                type = Class.forName(typeName, false, ExtensionContext.class.getClassLoader());
                publish = ExtensionContext.class.getMethod("publishFile", String.class, type, ThrowingConsumer.class);
            } catch (ClassNotFoundException | NoSuchMethodException absent) {
                continue;
            }
            try {
                Object media = type.getMethod("parse", String.class).invoke(null, mediaType);
                publish.invoke(context, name, media, writer);
                return;
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("publishing " + name + " failed", e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot call publishFile with " + typeName, e);
            }
        }
        throw new IllegalStateException("this JUnit has no ExtensionContext.publishFile; Retention needs 5.13 or later");
    }
}
