package dev.retention.model;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AbsOperator;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.objects.collections.PyList;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Parser.ExtensionPoint;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * Python slices with a step ({@code messages[::-1]}, {@code s[1::2]}) and Python slice semantics for every
 * slice, through Jinjava's parser extension points.
 *
 * <p>Jinjava parses {@code x[a:b]} into an {@link AstRangeBracket} (via the protected factory method
 * {@code ExtendedParser.createAstRangeBracket}) but stops at a second colon. {@link SliceParser} overrides
 * the protected {@code expr(boolean)} that the parser calls for the slice bounds: when it is asked for the
 * optional stop bound right after the slice's first colon and meets a second colon, it parses the step and
 * returns the stop and step together in a {@link StopAndStep} carrier node, which
 * {@code createAstRangeBracket} unpacks into a {@link PySlice}. Every slice, stepped or not, becomes a
 * {@link PySlice}, which follows Python ({@code slice.indices}): clamping, negative bounds and steps, and
 * strings sliced by code point. The parser is installed by overriding the public
 * {@code Jinjava.getExpressionFactory()} (see {@link JinjaEnvironment}); the factory is Jinjava's own
 * {@code ExpressionFactoryImpl} with {@link #treeBuilder} swapped in.
 */
final class PySliceSyntax {

    private PySliceSyntax() {
    }

    /** Jinjava's expression factory (same features and cache) with the slice-aware parser. */
    static ExpressionFactoryImpl expressionFactory() {
        return new ExpressionFactoryImpl(new Properties(), new com.hubspot.jinjava.el.TruthyTypeConverter()) {
            @Override
            protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                return treeBuilder(features);
            }
        };
    }

    static TreeBuilder treeBuilder(Builder.Feature... features) {
        return new ExtendedSyntaxBuilder(features) {
            private static final long serialVersionUID = 1L;

            @Override
            protected Parser createParser(String expression) {
                return new SliceParser(this, expression);
            }
        };
    }

    static final class SliceParser extends ExtendedParser {

        /**
         * Whether the most recent {@code expr} call was an optional one that stopped at a colon. The parser
         * makes exactly one such call followed directly by another optional {@code expr}: the start bound of a
         * slice, then its stop bound. (Dict keys, ternaries and {@code else} are followed by required calls.
         * Tokens cannot be compared by identity: the scanner shares one instance per symbol.)
         */
        private boolean optionalEndedAtColon;

        SliceParser(Builder context, String input) {
            super(context, input);
        }

        @Override
        protected AstNode expr(boolean required) throws Scanner.ScanException, ParseException {
            boolean stopBound = !required && optionalEndedAtColon;
            optionalEndedAtColon = false;
            AstNode node = super.expr(required);
            if (stopBound && getToken().getSymbol() == Scanner.Symbol.COLON) {
                consumeToken();
                AstNode step = super.expr(false);
                node = new StopAndStep(node, step);
            }
            optionalEndedAtColon = !required && !stopBound && getToken().getSymbol() == Scanner.Symbol.COLON;
            return node;
        }

        /**
         * Jinjava's scanner reads {@code +} followed by a digit as its unary "absolute value" operator, so
         * {@code x+1} (no spaces) failed to parse. In a binary position it is an addition, as in Jinja2.
         * Otherwise the same loop as {@code ExtendedParser.add}.
         */
        @Override
        protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
            AstNode v = mul(required);
            if (v == null) {
                return null;
            }
            while (true) {
                Scanner.Token token = getToken();
                if (token.getSymbol() == Scanner.Symbol.PLUS || token == AbsOperator.TOKEN) {
                    consumeToken();
                    v = createAstBinary(v, mul(true), AdditionOperator.OP);
                } else if (token.getSymbol() == Scanner.Symbol.MINUS) {
                    consumeToken();
                    v = createAstBinary(v, mul(true), AstBinary.SUB);
                } else if (token.getSymbol() == Scanner.Symbol.EXTENSION
                        && getExtensionHandler(token).getExtensionPoint() == ExtensionPoint.ADD) {
                    v = getExtensionHandler(consumeToken()).createAstNode(v, mul(true));
                } else {
                    return v;
                }
            }
        }

        /**
         * Jinjava looks filters and tests up as identifiers {@code filter:<name>} and {@code exptest:<name>} and
         * silently renders nothing when there is none; Jinja2 refuses the template ("No filter named ...").
         */
        @Override
        protected AstIdentifier createAstIdentifier(String name, int index) {
            String kind = name.startsWith("filter:") ? "filter" : name.startsWith("exptest:") ? "test" : null;
            if (kind == null) {
                return super.createAstIdentifier(name, index);
            }
            String shortName = name.substring(name.indexOf(':') + 1);
            return new AstIdentifier(name, index) {
                @Override
                public Object eval(Bindings bindings, ELContext context) {
                    Object value = super.eval(bindings, context);
                    if (value == null) {
                        throw new ELException("No " + kind + " named '" + shortName + "'.");
                    }
                    return value;
                }
            };
        }

        /**
         * Jinja2's {@code not} binds looser than comparisons and tests: {@code not x is defined} is
         * {@code not (x is defined)} and {@code not a == b} is {@code not (a == b)}. Jinjava parses {@code not}
         * as a unary prefix of its operand alone, so its operand here is a whole comparison ({@code eq}).
         */
        @Override
        protected AstNode unary(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.unary(required);
        }

        /**
         * Call arguments as Jinja2 parses them: a keyword argument is {@code name=<expression>}. Jinjava's
         * {@code =} operator binds like {@code +}, so {@code namespace(i=messages|length - 1)} became
         * {@code (i=messages|length) - 1}.
         */
        @Override
        protected AstParameters params(Scanner.Symbol left, Scanner.Symbol right)
                throws Scanner.ScanException, ParseException {
            consumeToken(left);
            List<AstNode> args = new ArrayList<>();
            AstNode v = argument(false);
            if (v != null) {
                args.add(v);
                while (getToken().getSymbol() == Scanner.Symbol.COMMA) {
                    consumeToken();
                    args.add(argument(true));
                }
            }
            consumeToken(right);
            return createAstParameters(args);
        }

        private AstNode argument(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.IDENTIFIER
                    && lookahead(0).getSymbol() == Scanner.Symbol.EXTENSION && "=".equals(lookahead(0).getImage())) {
                String name = consumeToken().getImage();
                consumeToken();
                return new AstNamedParameter(identifier(name), expr(true));
            }
            return expr(required);
        }

        @Override
        protected AstRangeBracket createAstRangeBracket(
                AstNode base, AstNode start, AstNode stop, boolean lvalue, boolean strict) {
            if (stop instanceof StopAndStep s) {
                return new PySlice(base, start, s.stop, s.step, lvalue, strict);
            }
            return new PySlice(base, start, stop, null, lvalue, strict);
        }
    }

    /** Carries the stop and step bounds from {@code expr} to {@code createAstRangeBracket}; never evaluated. */
    private static final class StopAndStep extends AstNode {
        final AstNode stop;
        final AstNode step;

        StopAndStep(AstNode stop, AstNode step) {
            this.stop = stop;
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            throw new ELException("internal: a slice step outside a slice");
        }

        @Override
        public void appendStructure(StringBuilder b, Bindings bindings) {
            b.append(":");
        }

        @Override
        public boolean isLiteralText() {
            return false;
        }

        @Override
        public boolean isLeftValue() {
            return false;
        }

        @Override
        public boolean isMethodInvocation() {
            return false;
        }

        @Override
        public jinjava.javax.el.ValueReference getValueReference(Bindings bindings, ELContext context) {
            return null;
        }

        @Override
        public Class<?> getType(Bindings bindings, ELContext context) {
            return null;
        }

        @Override
        public boolean isReadOnly(Bindings bindings, ELContext context) {
            return true;
        }

        @Override
        public void setValue(Bindings bindings, ELContext context, Object value) {
            throw new ELException("internal: a slice step outside a slice");
        }

        @Override
        public jinjava.javax.el.MethodInfo getMethodInfo(Bindings bindings, ELContext context, Class<?> returnType,
                Class<?>[] paramTypes) {
            return null;
        }

        @Override
        public Object invoke(Bindings bindings, ELContext context, Class<?> returnType, Class<?>[] paramTypes,
                Object[] paramValues) {
            throw new ELException("internal: a slice step outside a slice");
        }

        @Override
        public int getCardinality() {
            return 0;
        }

        @Override
        public AstNode getChild(int i) {
            return null;
        }

        @Override
        public String toString() {
            return ":";
        }
    }

    /** {@code base[start:stop:step]} with Python's semantics. */
    static final class PySlice extends AstRangeBracket {
        private final AstNode step;

        PySlice(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict) {
            super(base, start, stop, lvalue, strict, false);
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            Integer start = bound(property, bindings, context, "start");
            Integer stop = bound(rangeMax, bindings, context, "stop");
            Integer stepValue = bound(step, bindings, context, "step");
            int st = stepValue == null ? 1 : stepValue;
            if (st == 0) {
                throw new ELException("slice step cannot be zero");
            }
            if (base instanceof String s) {
                int[] cps = s.codePoints().toArray();
                StringBuilder b = new StringBuilder();
                for (int i : indices(cps.length, start, stop, st)) {
                    b.appendCodePoint(cps[i]);
                }
                return b.toString();
            }
            if (base instanceof Iterable<?> || base instanceof Object[]) {
                List<Object> items = new ArrayList<>();
                PyStr.iterable(base).forEach(items::add);
                List<Object> out = new ArrayList<>();
                for (int i : indices(items.size(), start, stop, st)) {
                    out.add(items.get(i));
                }
                return new PyList(out);
            }
            throw new ELException("'" + PyStr.typeName(base) + "' object is not subscriptable with a slice ("
                    + prefix + ")");
        }

        private static Integer bound(AstNode node, Bindings bindings, ELContext context, String what) {
            if (node == null) {
                return null;
            }
            Object v = node.eval(bindings, context);
            if (v == null) {
                return null;
            }
            if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
                return n.intValue();
            }
            throw new ELException("slice " + what + " must be an integer or None, not " + PyStr.typeName(v));
        }

        /** Python's {@code range(*slice(start, stop, step).indices(length))}. */
        static List<Integer> indices(int length, Integer start, Integer stop, int step) {
            int lower = step > 0 ? 0 : -1;
            int upper = step > 0 ? length : length - 1;
            int from = start == null ? (step < 0 ? upper : lower) : clamp(start, length, lower, upper);
            int to = stop == null ? (step < 0 ? lower : upper) : clamp(stop, length, lower, upper);
            List<Integer> out = new ArrayList<>();
            for (int i = from; step > 0 ? i < to : i > to; i += step) {
                out.add(i);
            }
            return out;
        }

        private static int clamp(int i, int length, int lower, int upper) {
            if (i < 0) {
                i += length;
                return Math.max(i, lower);
            }
            return Math.min(i, upper);
        }

        @Override
        public String toString() {
            return "[::]";
        }
    }
}
