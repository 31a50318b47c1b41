package dev.retention.junit;

import dev.retention.assertions.ChainTracker;
import dev.retention.assertions.RetentionEvents;
import dev.retention.assertions.ScoredModel;
import dev.retention.io.internal.AtomicFiles;
import dev.retention.model.CausalLm;
import dev.retention.report.RetentionReport;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstancePostProcessor;
import org.junit.platform.commons.support.AnnotationSupport;

import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Optional;


/**
 * Retention's JUnit Jupiter extension, registered by {@link RetentionTest}. It injects the declared
 * models into fields and parameters annotated {@link Baseline}, {@link Tuned} or {@link Model}
 * (types {@code ScoredModel} or {@code CausalLm}) and a {@code Suite} parameter (the default suite),
 * tags every verdict with the test that produced it, fails a test that leaves an assertion chain
 * without a verdict ({@link ChainTracker}), publishes each test class's report with
 * {@code publishFile}, and writes the run's {@code report.json} and {@code report.html} when the run ends,
 * into a directory of its own so that a later run does not replace them ({@link RetentionReport#write}).
 *
 * <p>Works with JUnit Jupiter 5.13 and later, including 6.x, sequentially or with parallel
 * execution.
 *
 * <p>Package-private, as JUnit's own extensions are: the annotations register it, and nothing else needs
 * its name.
 */
final class RetentionExtension implements BeforeAllCallback, TestInstancePostProcessor, ParameterResolver,
        BeforeEachCallback, AfterEachCallback, AfterAllCallback {

    private static final ExtensionContext.Namespace TEST = ExtensionContext.Namespace.create(RetentionExtension.class,
            "test");

    static ModelSet modelSet(ExtensionContext context) {
        return RunResources.of(context).modelSet(context.getRequiredTestClass());
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IllegalAccessException {
        ModelSet set = modelSet(context);
        inject(context.getRequiredTestClass(), null, set, true);
    }

    @Override
    public void postProcessTestInstance(Object testInstance, ExtensionContext context) throws IllegalAccessException {
        inject(testInstance.getClass(), testInstance, modelSet(context), false);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        if (role(parameter.getParameter()).isPresent()) {
            return true;
        }
        return type == Suite.class && ModelSet.find(context.getRequiredTestClass()).isPresent();
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ModelSet set = modelSet(context);
        Optional<Annotation> role = role(parameter.getParameter());
        if (role.isEmpty()) {
            return set.defaultSuite().orElseThrow(() -> new ParameterResolutionException("no suite declared for "
                    + context.getRequiredTestClass().getName() + ": set @RetentionTest(suite) or retention.suite"));
        }
        try {
            return value(role.get(), parameter.getParameter().getType(), set);
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new ParameterResolutionException(e.getMessage(), e);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        RunResources run = RunResources.of(context);
        RetentionEvents.Registration verdicts = RetentionEvents.register(
                run.report.listener(context.getRequiredTestClass().getName(), testName(context)));
        context.getStore(TEST).put(TestScope.class, new TestScope(ChainTracker.start(), verdicts));
    }

    /**
     * Fails a test that passed although a Retention chain it started never reached a verdict (it
     * asserted nothing), naming the file and line where the chain started; a test that already
     * failed keeps its own failure.
     */
    @Override
    public void afterEach(ExtensionContext context) {
        TestScope scope = context.getStore(TEST).get(TestScope.class, TestScope.class);
        if (scope == null) {
            return;
        }
        try {
            if (context.getExecutionException().isEmpty()) {
                scope.chains.verify();
            }
        } finally {
            scope.close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        RunResources run = RunResources.of(context);
        String testClass = context.getRequiredTestClass().getName();
        RetentionReport report = run.reportWithSettings();
        if (!report.isEmpty(testClass)) {
            PublishedFiles.publish(context, "retention-report.json", "application/json; charset=UTF-8",
                    path -> AtomicFiles.writeString(path, report.json(testClass)));
            PublishedFiles.publish(context, "retention-report.html", "text/html; charset=UTF-8",
                    path -> AtomicFiles.writeString(path, report.html(testClass)));
        }
    }

    private static String testName(ExtensionContext context) {
        String method = context.getRequiredTestMethod().getName();
        String display = context.getDisplayName();
        return display.equals(method + "()") ? method : method + " [" + display + "]";
    }

    private static void inject(Class<?> type, Object instance, ModelSet set, boolean statics)
            throws IllegalAccessException {
        for (Class<? extends Annotation> a : List.of(Baseline.class, Tuned.class, Model.class)) {
            for (Field f : AnnotationSupport.findAnnotatedFields(type, a)) {
                if (Modifier.isStatic(f.getModifiers()) != statics) {
                    continue;
                }
                if (Modifier.isFinal(f.getModifiers())) {
                    throw new ExtensionConfigurationException("field " + f + " is final; Retention cannot inject it");
                }
                Object value;
                try {
                    value = value(f.getAnnotation(a), f.getType(), set);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    throw new ExtensionConfigurationException("cannot inject " + f + ": " + e.getMessage(), e);
                }
                f.setAccessible(true);
                f.set(statics ? null : instance, value);
            }
        }
    }

    private static Optional<Annotation> role(AnnotatedElement element) {
        for (Class<? extends Annotation> a : List.of(Baseline.class, Tuned.class, Model.class)) {
            if (element.isAnnotationPresent(a)) {
                return Optional.of(element.getAnnotation(a));
            }
        }
        return Optional.empty();
    }

    private static Object value(Annotation role, Class<?> type, ModelSet set) {
        ScoredModel model;
        String what;
        if (role instanceof Baseline) {
            what = "baseline";
            model = set.baseline().orElseThrow(() -> new IllegalStateException("no baseline model declared: set "
                    + "@RetentionTest(baseline or recordedBaseline), retention.baseline or retention.baseline.recorded"));
        } else if (role instanceof Tuned) {
            what = "tuned";
            model = set.tuned().orElseThrow(() -> new IllegalStateException("no tuned model declared: set "
                    + "@RetentionTest(tuned) or retention.tuned"));
        } else {
            String name = ((Model) role).value();
            what = "model '" + name + "'";
            model = Optional.ofNullable(set.named().get(name)).orElseThrow(() -> new IllegalStateException("no model "
                    + "named '" + name + "' declared; @RetentionTest(models) declares " + set.named().keySet()));
        }
        if (type == ScoredModel.class) {
            return model;
        }
        if (type == CausalLm.class) {
            if (!(model instanceof LazyScoredModel lazy)) {
                throw new IllegalStateException("the " + what + " is a recorded scorecard, so there is no CausalLm to "
                        + "inject; declare ScoredModel instead");
            }
            return lazy.model();
        }
        throw new IllegalStateException("cannot inject the " + what + " as " + type.getName()
                + "; declare ScoredModel or CausalLm");
    }
}
