package dev.retention.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Python {@code str} semantics for chat templates: the string methods templates call ({@code startswith},
 * {@code split}, {@code strip}, ...), {@code str()} and {@code repr()} of template values, and code-point
 * based length, indexing and slicing. Java's own {@code String} methods differ ({@code split} takes a regex and
 * drops trailing empty strings, {@code strip} uses another whitespace set, lengths count UTF-16 units), so
 * templates never reach them: {@link SandboxResolver} routes every method call on a string here.
 */
final class PyStr {

    private PyStr() {
    }

    /** Python's {@code str.isspace()} for one code point (Unicode White_Space plus the C0 separators). */
    static boolean isSpace(int cp) {
        switch (cp) {
            case '\t', '\n', 0x0b, 0x0c, '\r', 0x1c, 0x1d, 0x1e, 0x1f, ' ', 0x85, 0xa0, 0x1680,
                 0x2028, 0x2029, 0x202f, 0x205f, 0x3000 -> {
                return true;
            }
            default -> {
                return cp >= 0x2000 && cp <= 0x200a;
            }
        }
    }

    static int length(String s) {
        return s.codePointCount(0, s.length());
    }

    /** Calls the Python string method {@code name}; fails like Python for methods a str does not have. */
    static Object call(String s, String name, Object[] args) {
        Object[] a = args == null ? new Object[0] : args;
        switch (name) {
            case "startswith":
                return affix(s, name, a, true);
            case "endswith":
                return affix(s, name, a, false);
            case "strip":
                arity(name, a, 0, 1);
                return strip(s, chars(name, a), true, true);
            case "lstrip":
                arity(name, a, 0, 1);
                return strip(s, chars(name, a), true, false);
            case "rstrip":
                arity(name, a, 0, 1);
                return strip(s, chars(name, a), false, true);
            case "split":
                arity(name, a, 0, 2);
                return split(s, sep(name, a), a.length > 1 ? toInt(name, a[1]) : -1);
            case "rsplit":
                arity(name, a, 0, 2);
                return rsplit(s, sep(name, a), a.length > 1 ? toInt(name, a[1]) : -1);
            case "splitlines":
                arity(name, a, 0, 1);
                return splitlines(s, a.length > 0 && PyStr.truthy(a[0]));
            case "replace":
                arity(name, a, 2, 3);
                return replace(s, str(name, a[0]), str(name, a[1]), a.length > 2 ? toInt(name, a[2]) : -1);
            case "upper":
                arity(name, a, 0, 0);
                return s.toUpperCase(Locale.ROOT);
            case "lower":
                arity(name, a, 0, 0);
                return s.toLowerCase(Locale.ROOT);
            case "title":
                arity(name, a, 0, 0);
                return title(s);
            case "capitalize":
                arity(name, a, 0, 0);
                return capitalize(s);
            case "join":
                arity(name, a, 1, 1);
                return join(s, a[0]);
            case "count":
                arity(name, a, 1, 1);
                return (long) count(s, str(name, a[0]));
            case "find":
                arity(name, a, 1, 1);
                return (long) cpIndex(s, s.indexOf(str(name, a[0])));
            case "rfind":
                arity(name, a, 1, 1);
                return (long) cpIndex(s, s.lastIndexOf(str(name, a[0])));
            case "removeprefix": {
                arity(name, a, 1, 1);
                String p = str(name, a[0]);
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix": {
                arity(name, a, 1, 1);
                String p = str(name, a[0]);
                return s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "format":
                return format(s, a);
            case "isspace":
                arity(name, a, 0, 0);
                return !s.isEmpty() && s.codePoints().allMatch(PyStr::isSpace);
            case "isdigit":
                arity(name, a, 0, 0);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha":
                arity(name, a, 0, 0);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum":
                arity(name, a, 0, 0);
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "islower":
                arity(name, a, 0, 0);
                return s.codePoints().anyMatch(PyStr::isCased) && s.equals(s.toLowerCase(Locale.ROOT));
            case "isupper":
                arity(name, a, 0, 0);
                return s.codePoints().anyMatch(PyStr::isCased) && s.equals(s.toUpperCase(Locale.ROOT));
            default:
                throw new IllegalArgumentException("'str' object has no attribute '" + name + "'");
        }
    }

    /**
     * {@code str.format} with automatic ({@code {}}), numbered ({@code {0}}) and keyword ({@code {name}})
     * fields and {@code {{}}/{@code }}} escapes; values as {@code str()}. Format specs and conversions
     * ({@code {:>8}}, {@code {!r}}) are refused rather than rendered differently from Python.
     */
    private static String format(String s, Object[] args) {
        List<Object> positional = new ArrayList<>();
        Map<String, Object> named = new java.util.HashMap<>();
        for (Object a : args) {
            if (a instanceof com.hubspot.jinjava.el.ext.NamedParameter p) {
                named.put(p.getName(), p.getValue());
            } else {
                positional.add(a);
            }
        }
        StringBuilder b = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' && i + 1 < s.length() && s.charAt(i + 1) == '{') {
                b.append('{');
                i++;
            } else if (c == '}' && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                b.append('}');
                i++;
            } else if (c == '{') {
                int close = s.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("Single '{' encountered in format string");
                }
                String field = s.substring(i + 1, close);
                if (field.contains(":") || field.contains("!") || field.contains(".") || field.contains("[")) {
                    throw new IllegalArgumentException("str.format field {" + field + "} is not supported");
                }
                Object value;
                if (field.isEmpty()) {
                    if (auto >= positional.size()) {
                        throw new IllegalArgumentException("Replacement index " + auto + " out of range for positional args tuple");
                    }
                    value = positional.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int k = Integer.parseInt(field);
                    if (k >= positional.size()) {
                        throw new IllegalArgumentException("Replacement index " + k + " out of range for positional args tuple");
                    }
                    value = positional.get(k);
                } else if (named.containsKey(field)) {
                    value = named.get(field);
                } else {
                    throw new IllegalArgumentException("KeyError: '" + field + "'");
                }
                b.append(value == null ? "None" : str(value));
                i = close;
            } else if (c == '}') {
                throw new IllegalArgumentException("Single '}' encountered in format string");
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static void arity(String name, Object[] a, int min, int max) {
        if (a.length < min || a.length > max) {
            throw new IllegalArgumentException("str." + name + "() takes " + (min == max ? "" + min : min + " to " + max)
                    + " arguments (" + a.length + " given)");
        }
    }

    private static String str(String name, Object o) {
        if (o instanceof CharSequence cs) {
            return cs.toString();
        }
        throw new IllegalArgumentException("str." + name + "() needs a str argument, not " + typeName(o));
    }

    private static String chars(String name, Object[] a) {
        return a.length == 0 || a[0] == null ? null : str(name, a[0]);
    }

    private static String sep(String name, Object[] a) {
        if (a.length == 0 || a[0] == null) {
            return null;
        }
        String sep = str(name, a[0]);
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("str." + name + "(): empty separator");
        }
        return sep;
    }

    private static int toInt(String name, Object o) {
        if (o instanceof Number n && !(o instanceof Double) && !(o instanceof Float)) {
            return n.intValue();
        }
        throw new IllegalArgumentException("str." + name + "() needs an int argument, not " + typeName(o));
    }

    private static boolean affix(String s, String name, Object[] a, boolean prefix) {
        arity(name, a, 1, 3);
        int n = length(s);
        int start = a.length > 1 && a[1] != null ? clampIndex(toInt(name, a[1]), n) : 0;
        int end = a.length > 2 && a[2] != null ? clampIndex(toInt(name, a[2]), n) : n;
        if (start > n) {
            return false;
        }
        String sub = start <= end ? substring(s, start, end) : "";
        List<String> candidates = new ArrayList<>();
        if (a[0] instanceof CharSequence cs) {
            candidates.add(cs.toString());
        } else if (a[0] instanceof Collection<?> c) {
            for (Object o : c) {
                candidates.add(str(name, o));
            }
        } else {
            throw new IllegalArgumentException(name + " first arg must be str or a tuple of str, not "
                    + typeName(a[0]));
        }
        for (String c : candidates) {
            if (start > end && !c.isEmpty()) {
                continue;
            }
            if (prefix ? sub.startsWith(c) : sub.endsWith(c)) {
                return true;
            }
        }
        return false;
    }

    private static int clampIndex(int i, int n) {
        if (i < 0) {
            i += n;
            return Math.max(i, 0);
        }
        return Math.min(i, n);
    }

    /** Code-point substring, indices already in range. */
    static String substring(String s, int startCp, int endCp) {
        int b = s.offsetByCodePoints(0, startCp);
        int e = s.offsetByCodePoints(b, endCp - startCp);
        return s.substring(b, e);
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int b = 0;
        int e = s.length();
        if (left) {
            while (b < e) {
                int cp = s.codePointAt(b);
                if (!stripped(cp, chars)) {
                    break;
                }
                b += Character.charCount(cp);
            }
        }
        if (right) {
            while (e > b) {
                int cp = s.codePointBefore(e);
                if (!stripped(cp, chars)) {
                    break;
                }
                e -= Character.charCount(cp);
            }
        }
        return s.substring(b, e);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(new String(Character.toChars(cp))) >= 0;
    }

    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int i = 0;
            int n = s.length();
            int splits = 0;
            while (true) {
                while (i < n && isSpace(s.codePointAt(i))) {
                    i += Character.charCount(s.codePointAt(i));
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && splits == maxsplit) {
                    out.add(strip(s.substring(i), null, false, true));
                    break;
                }
                int j = i;
                while (j < n && !isSpace(s.codePointAt(j))) {
                    j += Character.charCount(s.codePointAt(j));
                }
                out.add(s.substring(i, j));
                splits++;
                i = j;
            }
            return out;
        }
        int i = 0;
        int splits = 0;
        while (maxsplit < 0 || splits < maxsplit) {
            int j = s.indexOf(sep, i);
            if (j < 0) {
                break;
            }
            out.add(s.substring(i, j));
            i = j + sep.length();
            splits++;
        }
        out.add(s.substring(i));
        return out;
    }

    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) {
            int j = s.length();
            int splits = 0;
            while (true) {
                while (j > 0 && isSpace(s.codePointBefore(j))) {
                    j -= Character.charCount(s.codePointBefore(j));
                }
                if (j <= 0) {
                    break;
                }
                if (splits == maxsplit) {
                    out.add(0, strip(s.substring(0, j), null, true, false));
                    break;
                }
                int i = j;
                while (i > 0 && !isSpace(s.codePointBefore(i))) {
                    i -= Character.charCount(s.codePointBefore(i));
                }
                out.add(0, s.substring(i, j));
                splits++;
                j = i;
            }
            return out;
        }
        int j = s.length();
        int splits = 0;
        while (splits < maxsplit) {
            int i = s.lastIndexOf(sep, j - sep.length());
            if (i < 0) {
                break;
            }
            out.add(0, s.substring(i + sep.length(), j));
            j = i;
            splits++;
        }
        out.add(0, s.substring(0, j));
        return out;
    }

    static List<String> splitlines(String s, boolean keepends) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        int start = 0;
        while (i < n) {
            char c = s.charAt(i);
            int eol;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = 1;
            } else {
                i++;
                continue;
            }
            out.add(s.substring(start, keepends ? i + eol : i));
            i += eol;
            start = i;
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    static String replace(String s, String old, String replacement, int count) {
        if (count < 0) {
            if (old.isEmpty()) {
                StringBuilder b = new StringBuilder(replacement);
                s.codePoints().forEach(cp -> b.appendCodePoint(cp).append(replacement));
                return b.toString();
            }
            return s.replace(old, replacement);
        }
        StringBuilder b = new StringBuilder();
        int i = 0;
        int done = 0;
        if (old.isEmpty()) {
            int cps = 0;
            while (done < count && cps <= length(s)) {
                b.append(replacement);
                done++;
                if (i < s.length()) {
                    int cp = s.codePointAt(i);
                    b.appendCodePoint(cp);
                    i += Character.charCount(cp);
                }
                cps++;
            }
            return b.append(s.substring(Math.min(i, s.length()))).toString();
        }
        while (done < count) {
            int j = s.indexOf(old, i);
            if (j < 0) {
                break;
            }
            b.append(s, i, j).append(replacement);
            i = j + old.length();
            done++;
        }
        return b.append(s.substring(i)).toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return length(s) + 1;
        }
        int n = 0;
        for (int i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + sub.length())) {
            n++;
        }
        return n;
    }

    private static int cpIndex(String s, int utf16Index) {
        return utf16Index < 0 ? -1 : s.codePointCount(0, utf16Index);
    }

    private static boolean isCased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's {@code str.title()}: a cased character after an uncased one is title-cased, others lowered. */
    static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            b.append(previousCased ? lowerOf(cp) : titleOf(cp));
            previousCased = isCased(cp);
        }
        return b.toString();
    }

    /** Python's {@code str.capitalize()}: the first character title-cased, the rest lowered. */
    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        return titleOf(cp) + s.substring(Character.charCount(cp)).toLowerCase(Locale.ROOT);
    }

    private static String lowerOf(int cp) {
        return new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
    }

    /** Full title-case mapping: one code point may map to several (ß becomes Ss, the ligature ﬁ becomes Fi). */
    private static String titleOf(int cp) {
        String upper = new String(Character.toChars(cp)).toUpperCase(Locale.ROOT);
        if (upper.codePointCount(0, upper.length()) > 1) {
            int first = upper.codePointAt(0);
            return new String(Character.toChars(first)) + upper.substring(Character.charCount(first)).toLowerCase(Locale.ROOT);
        }
        return new String(Character.toChars(Character.toTitleCase(cp)));
    }

    private static String join(String sep, Object items) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (Object o : iterable(items)) {
            if (!(o instanceof CharSequence)) {
                throw new IllegalArgumentException("str.join() expects str items, found " + typeName(o));
            }
            if (!first) {
                b.append(sep);
            }
            b.append(o);
            first = false;
        }
        return b.toString();
    }

    static Iterable<?> iterable(Object o) {
        if (o instanceof Map<?, ?> m) {
            return m.keySet();
        }
        if (o instanceof Iterable<?> it) {
            return it;
        }
        if (o instanceof Object[] arr) {
            return List.of(arr);
        }
        if (o instanceof String s) {
            return s.codePoints().mapToObj(cp -> new String(Character.toChars(cp))).toList();
        }
        throw new IllegalArgumentException("'" + typeName(o) + "' object is not iterable");
    }

    /** Jinja2 truthiness of a template value. */
    static boolean truthy(Object o) {
        if (o == null) {
            return false;
        }
        if (o instanceof Boolean b) {
            return b;
        }
        if (o instanceof CharSequence cs) {
            return cs.length() > 0;
        }
        if (o instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (o instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (o instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "NoneType";
        }
        if (o instanceof CharSequence) {
            return "str";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Double || o instanceof Float || o instanceof BigDecimal) {
            return "float";
        }
        if (o instanceof Number) {
            return "int";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof Collection) {
            return "list";
        }
        return o.getClass().getSimpleName();
    }

    /** Python's {@code str(value)} as Jinja2 prints it ({@code None} prints as nothing: see {@link ChatTemplate}). */
    static String str(Object o) {
        if (o == null) {
            return "";
        }
        if (o instanceof CharSequence cs) {
            return cs.toString();
        }
        return repr(o);
    }

    /** Python's {@code repr(value)} for the JSON-like values templates handle. */
    static String repr(Object o) {
        StringBuilder b = new StringBuilder();
        repr(o, b);
        return b.toString();
    }

    private static void repr(Object o, StringBuilder b) {
        if (o == null) {
            b.append("None");
        } else if (o instanceof Boolean bool) {
            b.append(bool ? "True" : "False");
        } else if (o instanceof CharSequence cs) {
            reprString(cs.toString(), b);
        } else if (o instanceof Double || o instanceof Float) {
            b.append(floatRepr(((Number) o).doubleValue()));
        } else if (o instanceof BigDecimal d) {
            b.append(floatRepr(d.doubleValue()));
        } else if (o instanceof Number n) {
            b.append(n instanceof BigInteger ? n.toString() : Long.toString(n.longValue()));
        } else if (o instanceof Map.Entry<?, ?> e) {
            b.append('(');
            repr(e.getKey(), b);
            b.append(", ");
            repr(e.getValue(), b);
            b.append(')');
        } else if (o instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(", ");
                }
                repr(e.getKey(), b);
                b.append(": ");
                repr(e.getValue(), b);
                first = false;
            }
            b.append('}');
        } else if (o instanceof Iterable<?> it) {
            b.append('[');
            Iterator<?> i = it.iterator();
            while (i.hasNext()) {
                repr(i.next(), b);
                if (i.hasNext()) {
                    b.append(", ");
                }
            }
            b.append(']');
        } else {
            b.append(o);
        }
    }

    private static void reprString(String s, StringBuilder b) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        b.append(quote);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == quote || cp == '\\') {
                b.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                b.append("\\n");
            } else if (cp == '\r') {
                b.append("\\r");
            } else if (cp == '\t') {
                b.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\x%02x", cp));
            } else if (!isPrintable(cp)) {
                b.append(cp <= 0xff ? String.format("\\x%02x", cp)
                        : cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
            } else {
                b.appendCodePoint(cp);
            }
        }
        b.append(quote);
    }

    /** Python's {@code str.isprintable()} for one code point: not in categories Cc, Cf, Cs, Co, Cn, Zl, Zp, Zs except space. */
    private static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        int type = Character.getType(cp);
        return type != Character.CONTROL && type != Character.FORMAT && type != Character.SURROGATE
                && type != Character.PRIVATE_USE && type != Character.UNASSIGNED
                && type != Character.LINE_SEPARATOR && type != Character.PARAGRAPH_SEPARATOR
                && type != Character.SPACE_SEPARATOR;
    }

    /**
     * Python's {@code repr(float)}: the shortest digits that round-trip, positional for exponents -4..15,
     * scientific ({@code 1e-05}, {@code 1e+16}) otherwise.
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = exact.unscaledValue().toString();
        int decpt = digits.length() - exact.scale(); // value = 0.digits * 10^decpt
        StringBuilder b = new StringBuilder(d < 0 ? "-" : "");
        if (decpt > 16 || decpt < -3) {
            b.append(digits.charAt(0));
            if (digits.length() > 1) {
                b.append('.').append(digits, 1, digits.length());
            }
            int exp = decpt - 1;
            b.append('e').append(exp < 0 ? '-' : '+');
            String e = Integer.toString(Math.abs(exp));
            b.append(e.length() < 2 ? "0" + e : e);
        } else if (decpt <= 0) {
            b.append("0.").append("0".repeat(-decpt)).append(digits);
        } else if (decpt >= digits.length()) {
            b.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
        } else {
            b.append(digits, 0, decpt).append('.').append(digits, decpt, digits.length());
        }
        return b.toString();
    }
}
