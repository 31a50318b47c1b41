package dev.retention.junit;

import dev.retention.suite.Suite;
import dev.retention.suite.SuiteItem;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.support.ParameterDeclarations;
import org.junit.platform.commons.support.AnnotationSupport;

import java.util.stream.Stream;

/** Backs {@link CategorySource}: the sorted categories (with scored items) of the chosen suite. */
final class CategoryArgumentsProvider implements ArgumentsProvider {

    @Override
    public Stream<? extends Arguments> provideArguments(ParameterDeclarations parameters, ExtensionContext context) {
        CategorySource source = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), CategorySource.class)
                .orElseThrow();
        Suite suite;
        if (!source.suite().isEmpty()) {
            suite = RunResources.of(context).suite(source.suite());
        } else {
            suite = RetentionExtension.modelSet(context).defaultSuite().orElseThrow(() ->
                    new ExtensionConfigurationException("@CategorySource on " + context.getRequiredTestMethod()
                            + " has no suite: give @CategorySource(suite) or @RetentionTest(suite)"));
        }
        return suite.categories().stream()
                .filter(c -> suite.items(c).stream().anyMatch(SuiteItem::isScored))
                // Named, so "{0}" shows the bare category on JUnit 6 too (which quotes plain strings).
                .map(c -> Arguments.of(Named.of(c, c)));
    }
}
