package dev.retention.junit;

import dev.retention.fixtures.PublicTypes;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension's public API is declared: every public type says how stable it is ({@code @API}). */
class ApiStatusTest {

    @Test
    void everyPublicTypeOfTheExtensionDeclaresAnApiStatus() {
        List<Class<?>> types = PublicTypes.of(RetentionTest.class);

        assertThat(types).contains(RetentionTest.class, RetentionTest.NamedModel.class);
        assertThat(types).filteredOn(type -> !type.isAnnotationPresent(API.class))
                .extracting(Class::getName)
                .as("public types of retention-junit without @API(status = ..., since = ...)")
                .isEmpty();
    }

    @Test
    void theReadmeListsExactlyThePublicApiOfTheExtension() {
        Set<String> listed = PublicTypes.listedInReadme(Path.of("../README.md"));
        List<Class<?>> topLevel = PublicTypes.of(RetentionTest.class).stream()
                .filter(type -> type.getEnclosingClass() == null && type.isAnnotationPresent(API.class))
                .toList();

        assertThat(listed).contains("RetentionTest");
        assertThat(topLevel).filteredOn(type -> type.getAnnotation(API.class).status() != API.Status.INTERNAL)
                .extracting(Class::getSimpleName)
                .filteredOn(name -> !listed.contains(name))
                .as("public API of retention-junit missing from the README's public API table (## Project layout)")
                .isEmpty();
        assertThat(topLevel).filteredOn(type -> type.getAnnotation(API.class).status() == API.Status.INTERNAL)
                .extracting(Class::getSimpleName)
                .filteredOn(listed::contains)
                .as("INTERNAL types of retention-junit listed as public API in the README")
                .isEmpty();
    }
}
