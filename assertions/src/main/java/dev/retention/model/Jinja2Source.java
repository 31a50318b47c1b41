package dev.retention.model;

/**
 * The source text Jinjava renders: the template as Jinja2's lexer sees it. Two steps of Jinja2's lexer happen on
 * the raw text before any parsing and have no equivalent hook in Jinjava, whose parser is private; they are
 * done here, and only these (a documented, narrow source normalization, not a template rewrite):
 * <ol>
 *   <li>Line breaks: Jinja2 lexes {@code "\n".join(source.splitlines())}, which turns every line break into
 *       {@code \n} and drops one trailing line break ({@code keep_trailing_newline=False}). Jinjava's own
 *       keepTrailingNewline=false strips the rendered output instead, removing newlines the template printed.</li>
 *   <li>{@code lstrip_blocks}: spaces and tabs are removed before a <code>{%</code> or <code>{#</code> only
 *       if nothing but that whitespace stands between the start of the line and the tag (the line start being
 *       the template start or the end of a tag whose match ended with a newline, as Jinja2's
 *       {@code line_starting}). Jinjava strips the whitespace before every tag, also after text on the same
 *       line ({@code "Hello {% if x %}"} lost its space), so Jinjava's lstripBlocks stays off.</li>
 * </ol>
 * While scanning tags it also keeps Jinja2's bracket balancing: inside <code>{{ }}</code> and
 * <code>{% %}</code>, a <code>}}</code> or <code>%}</code> that closes brackets opened in the tag (a nested
 * dict literal, <code>{{ {'a': {'b': 1}} }}</code>) does not end the tag; a space is put between its two
 * characters so that Jinjava's scanner, which ends the tag at the first <code>}}</code>, sees the same tag.
 */
final class Jinja2Source {

    private Jinja2Source() {
    }

    static String of(String source) {
        return lstripBlocks(String.join("\n", PyStr.splitlines(source, false)));
    }

    static String lstripBlocks(String src) {
        StringBuilder out = new StringBuilder(src.length());
        int n = src.length();
        int pos = 0;
        boolean lineStarting = true;
        while (pos < n) {
            int open = src.indexOf('{', pos);
            while (open >= 0 && (open + 1 >= n || "{%#".indexOf(src.charAt(open + 1)) < 0)) {
                open = src.indexOf('{', open + 1);
            }
            if (open < 0) {
                out.append(src, pos, n);
                break;
            }
            char kind = src.charAt(open + 1);
            String text = src.substring(pos, open);
            char sign = open + 2 < n ? src.charAt(open + 2) : 0;
            if (kind != '{' && sign != '-' && sign != '+') {
                text = stripLineStart(text, lineStarting);
            }
            out.append(text);
            int[] end = kind == '#' ? commentEnd(src, open) : tagEnd(src, open, kind == '{' ? '}' : '%', out);
            if (end == null) { // unterminated: Jinjava reports the syntax error
                if (kind == '#') {
                    out.append(src, open, n);
                }
                break;
            }
            // end[0]: index after the closing delimiter; end[1]: index after what Jinja2's end-token match consumed
            lineStarting = end[1] > end[0] ? src.charAt(end[1] - 1) == '\n' : false;
            if (kind == '#') {
                out.append(src, open, end[0]);
            }
            pos = end[0];
            if (kind == '%' && isRawStart(src, open, end[0])) {
                pos = raw(src, pos, out, lineStarting);
                lineStarting = false;
            }
        }
        return out.toString();
    }

    private static String stripLineStart(String text, boolean lineStarting) {
        int l = text.lastIndexOf('\n') + 1;
        if ((l > 0 || lineStarting) && l < text.length()) {
            for (int i = l; i < text.length(); ) {
                int cp = text.codePointAt(i);
                if (!PyStr.isSpace(cp)) {
                    return text;
                }
                i += Character.charCount(cp);
            }
            return text.substring(0, l);
        }
        return text;
    }

    /** A comment: the index after <code>#}</code> and after the newline trim_blocks consumes. */
    private static int[] commentEnd(String src, int open) {
        int close = src.indexOf("#}", open + 2);
        if (close < 0) {
            return null;
        }
        return new int[] {close + 2, consumed(src, close, close + 2, true)};
    }

    /**
     * Copies a <code>{{ }}</code> or <code>{% %}</code> tag to {@code out}, splitting a closing pair that
     * closes brackets opened inside the tag, and returns the end indices (see {@link #lstripBlocks}).
     */
    private static int[] tagEnd(String src, int open, char closer, StringBuilder out) {
        int n = src.length();
        int depth = 0;
        char quote = 0;
        out.append(src, open, open + 2);
        for (int i = open + 2; i < n; i++) {
            char c = src.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < n) {
                    out.append(src.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == closer && i + 1 < n && src.charAt(i + 1) == '}') {
                if (depth <= 0) {
                    out.append(c).append('}');
                    boolean trimBlock = closer == '%';
                    return new int[] {i + 2, consumed(src, i, i + 2, trimBlock)};
                }
                if (closer == '}') {
                    depth--; // this '}' closes a bracket of the expression; the next one is looked at again
                    out.append("} ");
                    continue;
                }
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            }
            out.append(c);
        }
        return null;
    }

    /**
     * Where Jinja2's end-token match stops: after {@code -%}} it eats all whitespace, after {@code +%}} nothing,
     * after a plain block or comment end one newline (trim_blocks), after a plain <code>}}</code> nothing.
     */
    private static int consumed(String src, int closeStart, int after, boolean trimBlock) {
        char before = closeStart > 0 ? src.charAt(closeStart - 1) : 0;
        if (before == '-') {
            int i = after;
            while (i < src.length() && PyStr.isSpace(src.charAt(i))) {
                i++;
            }
            return i;
        }
        if (before != '+' && trimBlock && after < src.length() && src.charAt(after) == '\n') {
            return after + 1;
        }
        return after;
    }

    private static boolean isRawStart(String src, int open, int end) {
        String inner = src.substring(open + 2, end - 2).strip();
        if (inner.startsWith("-") || inner.startsWith("+")) {
            inner = inner.substring(1);
        }
        if (inner.endsWith("-") || inner.endsWith("+")) {
            inner = inner.substring(0, inner.length() - 1);
        }
        return inner.strip().equals("raw");
    }

    /** Copies a raw block's content verbatim (lstrip applies before its {@code endraw}); returns the index after the content. */
    private static int raw(String src, int pos, StringBuilder out, boolean lineStarting) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{%([-+]?)\\s*endraw\\s*[-+]?%}").matcher(src);
        if (!m.find(pos)) {
            out.append(src, pos, src.length());
            return src.length();
        }
        String text = src.substring(pos, m.start());
        out.append(m.group(1).isEmpty() ? stripLineStart(text, lineStarting) : text);
        return m.start();
    }
}
