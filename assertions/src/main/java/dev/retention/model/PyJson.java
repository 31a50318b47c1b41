package dev.retention.model;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)} as transformers' {@code tojson}
 * filter calls it (defaults {@code ensure_ascii=False}, {@code indent=None}, {@code separators=None},
 * {@code sort_keys=False}): no HTML escaping, {@code ", "} and {@code ": "} between items without an indent,
 * {@code ","} and {@code ": "} with one, non-ASCII characters kept as they are, floats as Python prints them.
 */
final class PyJson {

    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    PyJson(boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        this.indent = indentString(indent);
        this.sortKeys = sortKeys;
        if (separators == null) {
            this.itemSeparator = this.indent == null ? ", " : ",";
            this.keySeparator = ": ";
        } else {
            List<Object> pair = new ArrayList<>();
            PyStr.iterable(separators).forEach(pair::add);
            if (pair.size() != 2 || !(pair.get(0) instanceof CharSequence) || !(pair.get(1) instanceof CharSequence)) {
                throw new IllegalArgumentException("tojson separators must be a pair of strings, got "
                        + PyStr.repr(separators));
            }
            this.itemSeparator = pair.get(0).toString();
            this.keySeparator = pair.get(1).toString();
        }
    }

    private static String indentString(Object indent) {
        if (indent == null) {
            return null;
        }
        if (indent instanceof CharSequence cs) {
            return cs.toString();
        }
        if (indent instanceof Number n && !(n instanceof Double) && !(n instanceof Float)) {
            return " ".repeat(Math.max(0, n.intValue()));
        }
        throw new IllegalArgumentException("tojson indent must be an int or a string, got " + PyStr.repr(indent));
    }

    String dumps(Object value) {
        StringBuilder b = new StringBuilder();
        write(value, b, 0);
        return b.toString();
    }

    private void write(Object o, StringBuilder b, int level) {
        if (o == null) {
            b.append("null");
        } else if (o instanceof Boolean bool) {
            b.append(bool ? "true" : "false");
        } else if (o instanceof CharSequence cs) {
            string(cs.toString(), b);
        } else if (o instanceof Double || o instanceof Float || o instanceof BigDecimal) {
            double d = ((Number) o).doubleValue();
            b.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : PyStr.floatRepr(d));
        } else if (o instanceof BigInteger n) {
            b.append(n);
        } else if (o instanceof Number n) {
            b.append(n.longValue());
        } else if (o instanceof Map<?, ?> m) {
            object(m, b, level);
        } else if (o instanceof Map.Entry<?, ?> e) {
            array(List.of(nullSafe(e.getKey()), nullSafe(e.getValue())), b, level);
        } else if (o instanceof Collection<?> || o instanceof Object[]) {
            List<Object> items = new ArrayList<>();
            PyStr.iterable(o).forEach(items::add);
            array(items, b, level);
        } else {
            throw new IllegalArgumentException("Object of type " + o.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    private static Object nullSafe(Object o) {
        return o == null ? NULL : o;
    }

    private static final Object NULL = new Object();

    private void array(List<Object> items, StringBuilder b, int level) {
        if (items.isEmpty()) {
            b.append("[]");
            return;
        }
        b.append('[');
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                b.append(itemSeparator);
            }
            newline(b, level + 1);
            Object item = items.get(i);
            write(item == NULL ? null : item, b, level + 1);
        }
        newline(b, level);
        b.append(']');
    }

    private void object(Map<?, ?> m, StringBuilder b, int level) {
        if (m.isEmpty()) {
            b.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            entries.add(Map.entry(key(e.getKey()), nullSafe(e.getValue())));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
        }
        b.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : entries) {
            if (!first) {
                b.append(itemSeparator);
            }
            newline(b, level + 1);
            string(e.getKey(), b);
            b.append(keySeparator);
            write(e.getValue() == NULL ? null : e.getValue(), b, level + 1);
            first = false;
        }
        newline(b, level);
        b.append('}');
    }

    private static String key(Object k) {
        if (k instanceof CharSequence cs) {
            return cs.toString();
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean bool) {
            return bool ? "true" : "false";
        }
        if (k instanceof Double || k instanceof Float || k instanceof BigDecimal) {
            return PyStr.floatRepr(((Number) k).doubleValue());
        }
        if (k instanceof Number n) {
            return n instanceof BigInteger ? n.toString() : Long.toString(n.longValue());
        }
        throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
                + k.getClass().getSimpleName());
    }

    private void newline(StringBuilder b, int level) {
        if (indent != null) {
            b.append('\n').append(indent.repeat(level));
        }
    }

    private void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
