package dev.retention.junit;

import dev.retention.fixtures.PublicTypes;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Test;

import java.util.List;

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
}
