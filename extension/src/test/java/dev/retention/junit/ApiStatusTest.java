package dev.retention.junit;

import dev.retention.fixtures.internal.PublicTypes;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The extension's public API is declared: every public type says how stable it is ({@code @API}). */
class ApiStatusTest {

    private static final Path README = Path.of("../README.md");


    @Test
    void everyPublicTypeOfTheExtensionDeclaresAnApiStatus() {
        assertThat(PublicTypes.of(RetentionTest.class)).contains(RetentionTest.class, RetentionTest.NamedModel.class);
        assertThat(PublicTypes.withoutApiStatus(RetentionTest.class))
                .as("public types of retention-junit without @API(status = ..., since = ...)").isEmpty();
    }

    @Test
    void theReadmeListsExactlyThePublicApiOfTheExtension() {
        assertThat(PublicTypes.listedInReadme(README)).contains("RetentionTest");
        assertThat(PublicTypes.missingFromReadme(RetentionTest.class, README))
                .as("public API of retention-junit missing from the README's public API table (## Project layout)")
                .isEmpty();
        assertThat(PublicTypes.internalButListed(RetentionTest.class, README))
                .as("INTERNAL types of retention-junit listed as public API in the README").isEmpty();
    }

    @Test
    void internalTypesLiveInInternalPackagesAndApiTypesNeverExposeThem() {
        assertThat(PublicTypes.statusAgainstPackage(RetentionTest.class, Set.of()))
                .as("public types of retention-junit whose @API status contradicts their package").isEmpty();
        assertThat(PublicTypes.membersExposingInternals(RetentionTest.class))
                .as("public members of retention-junit's API that name an internal type without @API(status = INTERNAL)")
                .isEmpty();
    }
}
