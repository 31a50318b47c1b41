package dev.retention;

import dev.retention.assertions.RetentionAssertions;
import dev.retention.fixtures.PublicTypes;
import dev.retention.suite.SuiteItem;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The module's public API is declared: every public type says how stable it is ({@code @API}). */
class ApiStatusTest {

    @Test
    void everyPublicTypeOfTheAssertionsModuleDeclaresAnApiStatus() {
        List<Class<?>> types = PublicTypes.of(RetentionAssertions.class);

        assertThat(types).contains(RetentionAssertions.class, SuiteItem.Choice.class);
        assertThat(types).filteredOn(type -> !type.isAnnotationPresent(API.class))
                .extracting(Class::getName)
                .as("public types of retention-assertions without @API(status = ..., since = ...)")
                .isEmpty();
    }

    @Test
    void theReadmeListsExactlyThePublicApiOfTheAssertionsModule() {
        Set<String> listed = PublicTypes.listedInReadme(Path.of("../README.md"));
        List<Class<?>> topLevel = PublicTypes.of(RetentionAssertions.class).stream()
                .filter(type -> type.getEnclosingClass() == null && type.isAnnotationPresent(API.class))
                .toList();

        assertThat(listed).contains("RetentionAssertions");
        assertThat(topLevel).filteredOn(type -> type.getAnnotation(API.class).status() != API.Status.INTERNAL)
                .extracting(Class::getSimpleName)
                .filteredOn(name -> !listed.contains(name))
                .as("public API of retention-assertions missing from the README's public API table (## Project layout)")
                .isEmpty();
        assertThat(topLevel).filteredOn(type -> type.getAnnotation(API.class).status() == API.Status.INTERNAL)
                .extracting(Class::getSimpleName)
                .filteredOn(listed::contains)
                .as("INTERNAL types of retention-assertions listed as public API in the README")
                .isEmpty();
    }
}
