package dev.retention.model;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinjava's {@code for} tag plus Jinja2's loop filter, {@code {% for x in items if cond %}}: the items for which
 * {@code cond} is true are selected first, so {@code loop.index}, {@code loop.last} and {@code loop.length}
 * count only them. Jinjava reads {@code items if cond} as a conditional expression without {@code else} (the
 * loop silently runs over nothing). In Jinja2's grammar the iterable of a {@code for} cannot contain a bare
 * conditional expression, so the first {@code if} at bracket depth 0 outside string literals always starts the
 * filter. Registered on the global context in place of Jinjava's {@code for}.
 */
final class PyForTag extends ForTag {

    private static final long serialVersionUID = 1L;

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        String expression = varsAndExpression.getRight();
        int at = filterStart(expression);
        if (at < 0) {
            return super.interpretUnchecked(tagNode, interpreter);
        }
        List<String> vars = varsAndExpression.getLeft();
        String condition = expression.substring(at + 2).trim();
        Object collection = interpreter.resolveELExpression(expression.substring(0, at).trim(), tagNode.getLineNumber());
        List<Object> kept = new ArrayList<>();
        ForLoop items = ObjectIterator.getLoop(collection);
        try (var scope = interpreter.enterScope()) {
            while (items.hasNext() && scope != null) {
                Object item = interpreter.wrap(items.next());
                bind(interpreter, vars, item);
                if (PyStr.truthy(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) {
                    kept.add(item);
                }
            }
        }
        return renderForCollection(tagNode, interpreter, vars, new PyList(kept));
    }

    private static void bind(JinjavaInterpreter interpreter, List<String> vars, Object item) {
        if (vars.size() == 1) {
            interpreter.getContext().put(vars.get(0), item);
            return;
        }
        List<Object> parts = new ArrayList<>();
        if (item instanceof Map.Entry<?, ?> e) {
            parts.add(e.getKey());
            parts.add(e.getValue());
        } else if (item instanceof Iterable<?> it) {
            it.forEach(parts::add);
        }
        for (int i = 0; i < vars.size(); i++) {
            interpreter.getContext().put(vars.get(i), i < parts.size() ? parts.get(i) : null);
        }
    }

    /** Index of the keyword {@code if} that starts a loop filter, or -1. */
    static int filterStart(String expression) {
        int depth = 0;
        char quote = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && expression.startsWith("if", i)
                    && (i == 0 || !isNamePart(expression.charAt(i - 1)))
                    && (i + 2 == expression.length() || !isNamePart(expression.charAt(i + 2)))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }
}
