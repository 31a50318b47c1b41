package dev.retention;

import dev.retention.assertions.RetentionAssertions;
import dev.retention.suite.SuiteItem;
import dev.retention.fixtures.internal.PublicTypes;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The module's public API is declared: every public type says how stable it is ({@code @API}). */
class ApiStatusTest {

    private static final Path README = Path.of("../README.md");


    @Test
    void everyPublicTypeOfTheAssertionsModuleDeclaresAnApiStatus() {
        assertThat(PublicTypes.of(RetentionAssertions.class)).contains(RetentionAssertions.class, SuiteItem.Choice.class);
        assertThat(PublicTypes.withoutApiStatus(RetentionAssertions.class))
                .as("public types of retention-assertions without @API(status = ..., since = ...)").isEmpty();
    }

    @Test
    void theReadmeListsExactlyThePublicApiOfTheAssertionsModule() {
        assertThat(PublicTypes.listedInReadme(README)).contains("RetentionAssertions");
        assertThat(PublicTypes.missingFromReadme(RetentionAssertions.class, README))
                .as("public API of retention-assertions missing from the README's public API table (## Project layout)")
                .isEmpty();
        assertThat(PublicTypes.internalButListed(RetentionAssertions.class, README))
                .as("INTERNAL types of retention-assertions listed as public API in the README").isEmpty();
    }

    @Test
    void internalTypesLiveInInternalPackagesAndApiTypesNeverExposeThem() {
        assertThat(PublicTypes.statusAgainstPackage(RetentionAssertions.class, Set.of()))
                .as("public types of retention-assertions whose @API status contradicts their package").isEmpty();
        assertThat(PublicTypes.membersExposingInternals(RetentionAssertions.class))
                .as("public members of retention-assertions's API that name an internal type without @API(status = INTERNAL)")
                .isEmpty();
    }
}
