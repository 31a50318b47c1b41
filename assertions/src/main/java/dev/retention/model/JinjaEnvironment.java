package dev.retention.model;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;
import java.io.IOException;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.format.TextStyle;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.ExpressionFactory;

/**
 * One Jinjava engine configured like transformers' chat-template environment: Jinja2
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])} with
 * the globals {@code raise_exception} and {@code strftime_now} and the non-escaping {@code tojson} filter.
 *
 * <p>Every difference between Jinjava and Jinja2 that real chat templates hit is closed through a Jinjava
 * extension point, never by rewriting template source:
 * <ul>
 *   <li>{@link Jinja2Source}: line breaks, lstrip_blocks and bracket balancing exactly as Jinja2's lexer.</li>
 *   <li>{@link PyForTag} (a registered tag): loop filters, {@code for x in xs if cond}.</li>
 *   <li>{@link JinjavaConfig}: trim blocks, Jinja2's removal of one trailing newline, no nested
 *       interpretation (Jinjava would otherwise render {@code {{ ... }}} found inside message content), Python
 *       operator precedence for filters, map iteration over keys, and the {@link LegacyOverrides} that follow
 *       Jinja2 more closely.</li>
 *   <li>{@link SandboxResolver} (config {@code withElResolver}): Python string/dict/list methods, no Java
 *       methods.</li>
 *   <li>{@link PySliceSyntax} (an overridden {@code Jinjava.getExpressionFactory()}): slices with steps and
 *       Python slice semantics.</li>
 *   <li>An {@link ExecutionMode} whose {@link ExpressionStrategy} prints values as Python's {@code str()}
 *       ({@code True}, {@code 2.0}, {@code ['a']}).</li>
 *   <li>Filters and functions registered on the global context, replacing Jinjava's where Jinja2 differs.</li>
 * </ul>
 * Templates can neither include nor import other templates (the resource locator refuses every name).
 */
final class JinjaEnvironment {

    /** Longest rendered output accepted (characters); a runaway template fails instead of eating memory. */
    private static final long MAX_OUTPUT = 64L << 20;

    private static final ThreadLocal<Clock> CLOCK = new ThreadLocal<>();

    private final Jinjava jinjava;

    JinjaEnvironment() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(false) // done exactly as Jinja2 does it by Jinja2Source
                .withKeepTrailingNewline(true) // Jinja2's lexer drops it from the source: see Jinja2Source
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withMaxOutputSize(MAX_OUTPUT)
                .withMaxRenderDepth(10)
                .withLocale(Locale.ENGLISH)
                .withElResolver(new SandboxResolver())
                .withExecutionMode(new PythonOutput())
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withEvaluateMapKeys(true)
                        .withIterateOverMapKeys(true)
                        .withUsePyishObjectMapper(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withAllowAdjacentTextNodes(true)
                        .withUseTrimmingForNotesAndExpressions(true)
                        .withKeepNullableLoopValues(true)
                        .withHandleBackslashInQuotesOnly(true)
                        .withDefaultKeepTrailingNewlineBehavior(false)
                        .build())
                .build();
        ExpressionFactory factory = PySliceSyntax.expressionFactory();
        this.jinjava = new Jinjava(config) {
            @Override
            public ExpressionFactory getExpressionFactory() {
                return factory;
            }
        };
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new IOException("chat templates cannot load other templates ('" + name + "')");
        });
        Context globals = jinjava.getGlobalContext();
        globals.registerTag(new PyForTag());
        globals.registerTag(new GenerationTag());
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaEnvironment.class,
                "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "dict", JinjaEnvironment.class, "dict", Object[].class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaEnvironment.class,
                "strftimeNow", Object.class));
        for (Filter f : List.of(new ToJson(), new Length("length"), new Length("count"), new Trim(),
                new StrFilter("upper"), new StrFilter("lower"), new StrFilter("capitalize"), new StrFilter("title"),
                new StrFilter("string"), new Join(), new Reverse(), new Items(), new Replace(), new DictSort())) {
            globals.registerFilter(f);
        }
    }

    /**
     * Renders {@code source}; {@code clock} is what {@code strftime_now} reads (local date-time of the clock's zone,
     * as Python's {@code datetime.now()}). Errors are returned in the result, not thrown.
     */
    RenderResult render(String source, Map<String, Object> bindings, Clock clock) {
        Map<String, Object> all = new LinkedHashMap<>();
        // Jinja2 globals are variables too: `strftime_now is defined` is true in transformers' environment.
        all.put("raise_exception", new Global("raise_exception"));
        all.put("strftime_now", new Global("strftime_now"));
        all.putAll(bindings);
        CLOCK.set(clock);
        try {
            return jinjava.renderForResult(Jinja2Source.of(source), all);
        } finally {
            CLOCK.remove();
        }
    }

    /** Thrown by the template function {@code raise_exception(message)}. */
    static final class Raised extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Raised(String message) {
            super(message, null, false, false);
        }
    }

    /** Finds a {@code raise_exception} among the causes of a Jinjava error. */
    static Raised raisedBy(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof Raised r) {
                return r;
            }
        }
        return null;
    }

    public static Object raiseException(Object message) {
        throw new Raised(PyStr.str(message));
    }

    /** The global {@code dict(**kwargs)} transformers adds (keyword arguments only; Jinjava has no {@code **}). */
    public static Map<String, Object> dict(Object... args) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object a : args) {
            if (!(a instanceof com.hubspot.jinjava.el.ext.NamedParameter p)) {
                throw new IllegalArgumentException("dict() takes keyword arguments only here, got " + PyStr.repr(a));
            }
            out.put(p.getName(), p.getValue());
        }
        return out;
    }

    public static String strftimeNow(Object format) {
        if (!(format instanceof String f)) {
            throw new IllegalArgumentException("strftime_now() needs a format string, not " + PyStr.typeName(format));
        }
        Clock clock = CLOCK.get();
        return strftime(f, LocalDateTime.now(clock == null ? Clock.systemDefaultZone() : clock));
    }

    private static final Pattern DIRECTIVE = Pattern.compile("%(-?)(.)");

    /** C-locale {@code strftime} for a naive local date-time, as Python's {@code datetime.strftime} on Linux. */
    static String strftime(String format, LocalDateTime t) {
        Matcher m = DIRECTIVE.matcher(format);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            boolean noPad = !m.group(1).isEmpty();
            String v = switch (m.group(2).charAt(0)) {
                case 'Y' -> Integer.toString(t.getYear());
                case 'y' -> pad(t.getYear() % 100, 2, noPad);
                case 'm' -> pad(t.getMonthValue(), 2, noPad);
                case 'd' -> pad(t.getDayOfMonth(), 2, noPad);
                case 'e' -> noPad ? Integer.toString(t.getDayOfMonth()) : String.format("%2d", t.getDayOfMonth());
                case 'j' -> pad(t.getDayOfYear(), 3, noPad);
                case 'H' -> pad(t.getHour(), 2, noPad);
                case 'I' -> pad(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12, 2, noPad);
                case 'M' -> pad(t.getMinute(), 2, noPad);
                case 'S' -> pad(t.getSecond(), 2, noPad);
                case 'f' -> String.format("%06d", t.getNano() / 1000);
                case 'p' -> t.getHour() < 12 ? "AM" : "PM";
                case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
                case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
                case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
                case 'u' -> Integer.toString(t.getDayOfWeek().getValue());
                case 'F' -> String.format("%d-%02d-%02d", t.getYear(), t.getMonthValue(), t.getDayOfMonth());
                case 'T' -> String.format("%02d:%02d:%02d", t.getHour(), t.getMinute(), t.getSecond());
                case 'D' -> String.format("%02d/%02d/%02d", t.getMonthValue(), t.getDayOfMonth(), t.getYear() % 100);
                case 'z', 'Z' -> "";
                case 'n' -> "\n";
                case 't' -> "\t";
                case '%' -> "%";
                default -> m.group();
            };
            m.appendReplacement(b, Matcher.quoteReplacement(v));
        }
        m.appendTail(b);
        return b.toString();
    }

    private static String pad(int v, int width, boolean noPad) {
        return noPad ? Integer.toString(v) : String.format("%0" + width + "d", v);
    }

    /** The value of the variables {@code raise_exception} and {@code strftime_now} (the calls go to functions). */
    private record Global(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /**
     * transformers' {@code {% generation %}...{% endgeneration %}} (its AssistantTracker extension): marks the
     * assistant's tokens for {@code return_assistant_tokens_mask}; rendering just outputs the body.
     */
    private static final class GenerationTag implements com.hubspot.jinjava.lib.tag.Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "generation";
        }

        @Override
        public String interpret(com.hubspot.jinjava.tree.TagNode tagNode, JinjavaInterpreter interpreter) {
            StringBuilder b = new StringBuilder();
            for (com.hubspot.jinjava.tree.Node child : tagNode.getChildren()) {
                b.append(child.render(interpreter).getValue());
            }
            return b.toString();
        }
    }

    /** Prints expression values as Jinja2 does, with Python's {@code str()} (see {@link PyStr#str}). */
    private static final class PythonOutput implements ExecutionMode, ExpressionStrategy {
        private static final long serialVersionUID = 1L;

        @Override
        public void prepareContext(Context context) {
            context.setExpressionStrategy(this);
        }

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
            Object value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
            return new RenderedOutputNode(PyStr.str(value));
        }
    }

    /** Base of the filters that take Python values (Jinjava's default path turns arguments into strings). */
    private abstract static class PyFilter implements Filter {
        private final String name;

        PyFilter(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, (Object[]) args, Collections.emptyMap());
        }

        @Override
        public abstract Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);

        /** Positional argument {@code i} or keyword {@code key}, else {@code fallback} (Python call binding). */
        static Object arg(Object[] args, Map<String, Object> kwargs, int i, String key, Object fallback) {
            if (args != null && i < args.length) {
                return args[i];
            }
            return kwargs != null && kwargs.containsKey(key) ? kwargs.get(key) : fallback;
        }
    }

    /** transformers' {@code tojson}: {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}. */
    private static final class ToJson extends PyFilter {
        ToJson() {
            super("tojson");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean ensureAscii = PyStr.truthy(arg(args, kwargs, 0, "ensure_ascii", false));
            Object indent = arg(args, kwargs, 1, "indent", null);
            Object separators = arg(args, kwargs, 2, "separators", null);
            boolean sortKeys = PyStr.truthy(arg(args, kwargs, 3, "sort_keys", false));
            return new PyJson(ensureAscii, indent, separators, sortKeys).dumps(var);
        }
    }

    /** {@code length}/{@code count}: Python's {@code len()}, code points for strings. */
    private static final class Length extends PyFilter {
        Length(String name) {
            super(name);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var instanceof String s) {
                return (long) PyStr.length(s);
            }
            if (var instanceof Collection<?> c) {
                return (long) c.size();
            }
            if (var instanceof Map<?, ?> m) {
                return (long) m.size();
            }
            if (var instanceof Object[] a) {
                return (long) a.length;
            }
            if (var == null) {
                return 0L; // Jinja2's Undefined has length 0
            }
            throw new IllegalArgumentException("object of type '" + PyStr.typeName(var) + "' has no len()");
        }
    }

    /** Jinja2 {@code trim(chars=None)}: {@code str.strip(chars)}. */
    private static final class Trim extends PyFilter {
        Trim() {
            super("trim");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = arg(args, kwargs, 0, "chars", null);
            return PyStr.strip(PyStr.str(var), chars == null ? null : PyStr.str(chars), true, true);
        }
    }

    /** {@code upper}, {@code lower}, {@code capitalize}, {@code title}, {@code string} with Jinja2's semantics. */
    private static final class StrFilter extends PyFilter {
        private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s(\\{\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);

        StrFilter(String name) {
            super(name);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            // `x | string` is mostly applied to data (tool schemas, arguments), where a null is Python's None
            String s = var == null && getName().equals("string") ? "None" : PyStr.str(var);
            return switch (getName()) {
                case "upper" -> s.toUpperCase(Locale.ROOT);
                case "lower" -> s.toLowerCase(Locale.ROOT);
                case "capitalize" -> PyStr.capitalize(s);
                case "title" -> title(s);
                default -> s;
            };
        }

        /** Jinja2's {@code do_title}: split before runs of {@code -}, whitespace and opening brackets; capitalize each piece. */
        private static String title(String s) {
            StringBuilder b = new StringBuilder();
            Matcher m = WORD_BEGINNING.matcher(s);
            int at = 0;
            while (m.find()) {
                word(s.substring(at, m.start()), b);
                word(m.group(), b);
                at = m.end();
            }
            word(s.substring(at), b);
            return b.toString();
        }

        private static void word(String item, StringBuilder b) {
            if (item.isEmpty()) {
                return;
            }
            int first = item.codePointAt(0);
            b.append(new String(Character.toChars(first)).toUpperCase(Locale.ROOT))
                    .append(item.substring(Character.charCount(first)).toLowerCase(Locale.ROOT));
        }
    }

    /** Jinja2 {@code join(d='', attribute=None)}: items converted with {@code str()}. */
    private static final class Join extends PyFilter {
        Join() {
            super("join");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            String sep = PyStr.str(arg(args, kwargs, 0, "d", ""));
            Object attribute = arg(args, kwargs, 1, "attribute", null);
            StringBuilder b = new StringBuilder();
            boolean first = true;
            for (Object o : PyStr.iterable(var)) {
                if (attribute != null) {
                    o = o instanceof Map<?, ?> m ? m.get(attribute.toString()) : null;
                }
                if (!first) {
                    b.append(sep);
                }
                b.append(o == null ? "None" : PyStr.str(o));
                first = false;
            }
            return b.toString();
        }
    }

    /** Jinja2 {@code reverse}: strings by code point, sequences as a list. */
    private static final class Reverse extends PyFilter {
        Reverse() {
            super("reverse");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var instanceof String s) {
                return new StringBuilder(s).reverse().toString(); // StringBuilder.reverse keeps surrogate pairs
            }
            List<Object> items = new ArrayList<>();
            PyStr.iterable(var).forEach(items::add);
            Collections.reverse(items);
            return new PyList(items);
        }
    }

    /** Jinja2 3.1 {@code items}: a dict's (key, value) pairs. */
    private static final class Items extends PyFilter {
        Items() {
            super("items");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            List<Object> out = new ArrayList<>();
            if (var instanceof Map<?, ?> m) {
                m.forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
            } else if (var != null) {
                throw new IllegalArgumentException("items filter needs a dict, not " + PyStr.typeName(var));
            }
            return new PyList(out);
        }
    }

    /** Jinja2 {@code dictsort(case_sensitive=False, by='key', reverse=False)}: sorted (key, value) pairs. */
    private static final class DictSort extends PyFilter {
        DictSort() {
            super("dictsort");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (!(var instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException("dictsort needs a dict, not " + PyStr.typeName(var));
            }
            boolean caseSensitive = PyStr.truthy(arg(args, kwargs, 0, "case_sensitive", false));
            boolean byValue = "value".equals(arg(args, kwargs, 1, "by", "key"));
            boolean reverse = PyStr.truthy(arg(args, kwargs, 2, "reverse", false));
            List<Map.Entry<Object, Object>> pairs = new ArrayList<>();
            m.forEach((k, v) -> pairs.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
            java.util.Comparator<Map.Entry<Object, Object>> order = (a, b) -> {
                Object x = byValue ? a.getValue() : a.getKey();
                Object y = byValue ? b.getValue() : b.getKey();
                if (x instanceof String sx && y instanceof String sy) {
                    return caseSensitive ? sx.compareTo(sy) : sx.toLowerCase(Locale.ROOT).compareTo(sy.toLowerCase(Locale.ROOT));
                }
                if (x instanceof Number nx && y instanceof Number ny) {
                    return Double.compare(nx.doubleValue(), ny.doubleValue());
                }
                throw new IllegalArgumentException("dictsort cannot order " + PyStr.typeName(x) + " and " + PyStr.typeName(y));
            };
            pairs.sort(reverse ? order.reversed() : order);
            return new PyList(new ArrayList<>(pairs));
        }
    }

    /** Jinja2 {@code replace(old, new, count=None)}: {@code str.replace}. */
    private static final class Replace extends PyFilter {
        Replace() {
            super("replace");
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object count = arg(args, kwargs, 2, "count", null);
            return PyStr.replace(PyStr.str(var), PyStr.str(arg(args, kwargs, 0, "old", "")),
                    PyStr.str(arg(args, kwargs, 1, "new", "")), count == null ? -1 : ((Number) count).intValue());
        }
    }
}
