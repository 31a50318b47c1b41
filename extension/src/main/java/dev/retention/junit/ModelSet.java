package dev.retention.junit;

import dev.retention.assertions.ScoredModel;
import dev.retention.suite.Suite;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

import java.lang.annotation.Annotation;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The models and suites one test class declares with {@link RetentionTest} (found on the class, a
 * superclass, or an enclosing class of a {@code @Nested} class), with configuration overrides
 * applied. Models are lazy: declaring them loads nothing.
 */
record ModelSet(Optional<ScoredModel> baseline, Optional<ScoredModel> tuned, Map<String, ScoredModel> named,
                List<Suite> suites) {

    static ModelSet of(Class<?> testClass, RunResources run) {
        RetentionTest ann = find(testClass).orElseThrow(() -> new ExtensionConfigurationException(
                missingRetentionTest(testClass)));
        RetentionConfig cfg = run.config;
        List<Suite> suites = cfg.list(RetentionKeys.SUITE, ann.suite()).stream().map(run::suite).toList();
        Optional<String> baselinePath = cfg.path(RetentionKeys.BASELINE, ann.baseline());
        LazyScoredModel liveBaseline = baselinePath.map(p -> run.model(RetentionKeys.BASELINE, p, 0, baselinePath)).orElse(null);
        List<String> recorded = cfg.list(RetentionKeys.BASELINE_RECORDED, ann.recordedBaseline());
        ScoredModel baseline = recorded.isEmpty() ? liveBaseline : run.recordedBaseline(recorded, suites, liveBaseline);
        ScoredModel tuned = cfg.path(RetentionKeys.TUNED, ann.tuned()).map(p -> run.model(RetentionKeys.TUNED, p, 1, baselinePath))
                .orElse(null);
        Map<String, ScoredModel> named = new LinkedHashMap<>();
        int slot = 2;
        for (RetentionTest.NamedModel m : ann.models()) {
            String path = cfg.path(RetentionKeys.MODEL_PREFIX + m.name(), m.path()).orElseThrow();
            named.put(m.name(), withSuite(run.model(RetentionKeys.MODEL_PREFIX + m.name(), path, slot++, baselinePath), suites));
        }
        return new ModelSet(Optional.ofNullable(withSuite(baseline, suites)), Optional.ofNullable(withSuite(tuned, suites)),
                Map.copyOf(named), suites);
    }

    /** Why {@code testClass} cannot be served: it injects models but declares none. */
    static String missingRetentionTest(Class<?> testClass) {
        List<String> uses = new ArrayList<>();
        for (Class<? extends Annotation> a : List.of(Baseline.class, Tuned.class, Model.class)) {
            for (Field f : AnnotationSupport.findAnnotatedFields(testClass, a)) {
                uses.add("field " + f.getName() + " (@" + a.getSimpleName() + ")");
            }
            for (Method m : ReflectionSupport.findMethods(testClass, x -> true, HierarchyTraversalMode.TOP_DOWN)) {
                Parameter[] ps = m.getParameters();
                for (int i = 0; i < ps.length; i++) {
                    if (ps[i].isAnnotationPresent(a)) {
                        uses.add("parameter " + (i + 1) + " of " + m.getName() + "() (@" + a.getSimpleName() + ")");
                    }
                }
            }
        }
        return testClass.getName() + (uses.isEmpty() ? " uses Retention's extension" : " injects Retention models ("
                + String.join(", ", uses) + ")") + " but has no @RetentionTest (on it or an enclosing class), which "
                + "declares the models and suites: add it, e.g. @RetentionTest(baseline = \"models/base\", tuned = "
                + "\"models/tuned\", suite = \"src/test/resources/general.jsonl\")";
    }

    Optional<Suite> defaultSuite() {
        return suites.isEmpty() ? Optional.empty() : Optional.of(suites.get(0));
    }

    private static ScoredModel withSuite(ScoredModel m, List<Suite> suites) {
        return m == null || suites.isEmpty() ? m : m.withDefaultSuite(suites.get(0));
    }

    static Optional<RetentionTest> find(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = Modifier.isStatic(c.getModifiers()) ? null : c.getEnclosingClass()) {
            Optional<RetentionTest> a = AnnotationSupport.findAnnotation(c, RetentionTest.class);
            if (a.isPresent()) {
                return a;
            }
        }
        return Optional.empty();
    }
}
