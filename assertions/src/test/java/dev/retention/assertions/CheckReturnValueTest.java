package dev.retention.assertions;

import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;
import org.junit.jupiter.api.Test;

import javax.lang.model.element.Element;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Entry points and steps of the DSL carry AssertJ's {@code @CheckReturnValue}
 * ({@code org.assertj.core.annotation}, the non-deprecated one in 3.27), verdicts do not, and a
 * compile-time checker in user code sees the annotation on the compiled classes: this test compiles
 * a user's test with javac and a small checker that flags a discarded result, as Error Prone's
 * CheckReturnValue and IntelliJ's inspection do.
 */
class CheckReturnValueTest {

    private static final String ANNOTATION = "org.assertj.core.annotation.CheckReturnValue";
    private static final Set<String> VERDICTS = Set.of("within", "withinRelative", "byAtLeast", "withinFactor",
            "everyCanaryAtLeast", "isAtMost", "hasRmsDriftAtMost", "changedOnlyParametersMatching", "hasLowRankChanges",
            "hasForgettingAtMost", "hasBackwardTransferAtLeast");
    private static final List<Class<?>> DSL = List.of(RetentionAssertions.class, RetentionSoftAssertions.class,
            ModelAssert.class, RetentionAssert.class, RetentionCategoriesAssert.class, ImprovementAssert.class,
            ImprovementCategoriesAssert.class, PerplexityAssert.class, DivergenceAssert.class, FisherDriftAssert.class,
            WeightsAssert.class, CheckpointsAssert.class);

    private static final String USER_TEST = String.join("\n",
            "import static dev.retention.assertions.RetentionAssertions.assertThatModel;",
            "import dev.retention.assertions.ScoredModel;",
            "class UserTest {",
            "    void t(ScoredModel tuned, ScoredModel base) {",
            "        assertThatModel(tuned).retains(base).onCategory(\"math\");",
            "        assertThatModel(tuned).retains(base).onCategory(\"math\").within(0.05);",
            "        assertThatModel(tuned);",
            "        assertThatModel(tuned).improvesOn(base).overall().byAtLeast(0.1);",
            "    }",
            "}");

    private record Compiled(Elements elements, List<String> ignored) {
    }

    /** Compiles {@link #USER_TEST} against the class path and lists each discarded {@code @CheckReturnValue} result. */
    private static Compiled compileUserTest() {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8);
        JavaFileObject source = new SimpleJavaFileObject(URI.create("string:///UserTest.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return USER_TEST;
            }
        };
        StringWriter out = new StringWriter();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavacTask task = (JavacTask) javac.getTask(out, files, diagnostics,
                List.of("-proc:none", "-classpath", System.getProperty("java.class.path")), null, List.of(source));
        List<String> ignored = new ArrayList<>();
        Trees trees = Trees.instance(task);
        task.addTaskListener(new TaskListener() {
            @Override
            public void finished(TaskEvent e) {
                if (e.getKind() != TaskEvent.Kind.ANALYZE) {
                    return;
                }
                new TreePathScanner<Void, Void>() {
                    @Override
                    public Void visitExpressionStatement(ExpressionStatementTree stmt, Void v) {
                        if (stmt.getExpression() instanceof MethodInvocationTree call) {
                            Element m = trees.getElement(new TreePath(getCurrentPath(), call));
                            if (m != null && annotated(m)) {
                                long line = e.getCompilationUnit().getLineMap().getLineNumber(
                                        trees.getSourcePositions().getStartPosition(e.getCompilationUnit(), stmt));
                                ignored.add(line + ": " + m.getSimpleName());
                            }
                        }
                        return super.visitExpressionStatement(stmt, v);
                    }
                }.scan(e.getCompilationUnit(), null);
            }
        });
        try {
            task.analyze();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        assertThat(diagnostics.getDiagnostics()).as("javac: %s", out).noneMatch(d -> d.getKind() == Diagnostic.Kind.ERROR);
        return new Compiled(task.getElements(), ignored);
    }

    private static boolean annotated(Element e) {
        return e.getAnnotationMirrors().stream()
                .anyMatch(a -> a.getAnnotationType().toString().equals(ANNOTATION));
    }

    @Test
    void aCheckerInUserCodeFlagsEveryChainDroppedBeforeItsVerdict() {
        assertThat(compileUserTest().ignored()).containsExactly("5: onCategory", "7: assertThatModel");
    }

    @Test
    void everyEntryPointAndStepIsCheckReturnValueAndNoVerdictIs() {
        Elements elements = compileUserTest().elements();
        Set<String> dslTypes = new TreeSet<>();
        DSL.forEach(c -> dslTypes.add(c.getName()));
        List<String> wrong = new ArrayList<>();
        int steps = 0;
        for (Class<?> c : DSL) {
            TypeElement type = elements.getTypeElement(c.getName());
            for (ExecutableElement m : ElementFilter.methodsIn(type.getEnclosedElements())) {
                if (!m.getModifiers().contains(Modifier.PUBLIC) || m.getReturnType().getKind() != TypeKind.DECLARED) {
                    continue;
                }
                String returned = ((TypeElement) ((DeclaredType) m.getReturnType()).asElement()).getQualifiedName()
                        .toString();
                if (!dslTypes.contains(returned)) {
                    continue;
                }
                boolean verdict = VERDICTS.contains(m.getSimpleName().toString());
                steps += verdict ? 0 : 1;
                if (verdict == annotated(m)) {
                    wrong.add(c.getSimpleName() + "." + m.getSimpleName() + (verdict ? " is a verdict but annotated"
                            : " is a step but not annotated"));
                }
            }
        }
        assertThat(wrong).isEmpty();
        assertThat(steps).isGreaterThan(30);
    }
}
