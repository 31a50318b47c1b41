package dev.retention;

import dev.retention.assertions.RetentionAssertions;
import dev.retention.fixtures.PublicTypes;
import dev.retention.suite.SuiteItem;
import org.apiguardian.api.API;
import org.junit.jupiter.api.Test;

import java.util.List;

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
}
