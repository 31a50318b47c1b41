package dev.retention.model;

import com.hubspot.jinjava.el.TypeConvertingMapELResolver;
import com.hubspot.jinjava.el.ext.JinjavaBeanELResolver;
import com.hubspot.jinjava.el.ext.JinjavaListELResolver;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.util.ForLoop;
import java.beans.FeatureDescriptor;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.MethodNotFoundException;

/**
 * The expression resolver chain of {@link JinjaEnvironment}: the equivalent of Jinja2's
 * {@code ImmutableSandboxedEnvironment} for the values a chat template sees, installed with
 * {@code JinjavaConfig.Builder.withElResolver}.
 *
 * <ul>
 *   <li>A method call on a string runs the Python {@code str} method ({@link PyStr#call}), never Java's.</li>
 *   <li>On a dict: {@code items()}, {@code keys()}, {@code values()}, {@code get(key[, default])}; on a list:
 *       {@code index(x)}, {@code count(x)}. Mutating methods ({@code append}, {@code update}, ...) are refused
 *       as the immutable sandbox refuses them.</li>
 *   <li>Indexing a string gives the code point at that (possibly negative) index.</li>
 *   <li>Java bean access is limited to what Jinjava itself hands to templates: {@code loop} properties and
 *       {@code loop.cycle(...)}, and the {@code filter}/{@code evaluate} calls through which Jinjava applies
 *       filters and tests. Every other method call fails, naming the method and the value's type.</li>
 * </ul>
 */
final class SandboxResolver extends CompositeELResolver {

    private static final Set<String> MUTATING = Set.of("append", "extend", "insert", "pop", "remove", "clear",
            "sort", "reverse", "update", "setdefault", "popitem", "add", "discard", "put", "putAll", "set");

    SandboxResolver() {
        add(new PythonMethods());
        add(new JinjavaListELResolver(true));
        add(new TypeConvertingMapELResolver(true));
        add(new JinjavaOwnObjects());
    }

    /** Python methods of str, dict and list; string indexing by code point. */
    private static final class PythonMethods extends ELResolver {

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (base == null || method == null) {
                return null;
            }
            try {
                return call(context, base, method.toString(), params == null ? new Object[0] : params);
            } catch (IllegalArgumentException e) {
                // Jinjava's resolver turns an IllegalArgumentException into a silent null; a template error must fail
                throw new ELException(e.getMessage(), e);
            }
        }

        private static Object call(ELContext context, Object base, String name, Object[] args) {
            if (base instanceof String s) {
                context.setPropertyResolved(true);
                return PyStr.call(s, name, args);
            }
            if (base instanceof Map<?, ?> m && !(base instanceof Filter) && !(base instanceof ExpTest)) {
                context.setPropertyResolved(true);
                return dictMethod(m, name, args);
            }
            if (base instanceof List<?> l) {
                context.setPropertyResolved(true);
                return listMethod(l, name, args);
            }
            return null;
        }

        private static Object dictMethod(Map<?, ?> m, String name, Object[] args) {
            switch (name) {
                case "items" -> {
                    List<Object> out = new ArrayList<>();
                    m.forEach((k, v) -> out.add(new AbstractMap.SimpleImmutableEntry<>(k, v)));
                    return new PyList(out);
                }
                case "keys" -> {
                    return new PyList(new ArrayList<>(m.keySet()));
                }
                case "values" -> {
                    return new PyList(new ArrayList<>(m.values()));
                }
                case "get" -> {
                    if (args.length < 1 || args.length > 2) {
                        throw new IllegalArgumentException("dict.get() takes 1 or 2 arguments (" + args.length + " given)");
                    }
                    Object key = args[0];
                    return m.containsKey(key) ? m.get(key) : args.length > 1 ? args[1] : null;
                }
                default -> throw refused("dict", name);
            }
        }

        private static Object listMethod(List<?> l, String name, Object[] args) {
            switch (name) {
                case "index" -> {
                    int i = l.indexOf(args.length > 0 ? args[0] : null);
                    if (i < 0) {
                        throw new IllegalArgumentException(PyStr.repr(args.length > 0 ? args[0] : null) + " is not in list");
                    }
                    return (long) i;
                }
                case "count" -> {
                    Object x = args.length > 0 ? args[0] : null;
                    return l.stream().filter(o -> Objects.equals(o, x)).count();
                }
                default -> throw refused("list", name);
            }
        }

        private static RuntimeException refused(String type, String name) {
            if (MUTATING.contains(name)) {
                return new MethodNotFoundException("access to attribute '" + name + "' of '" + type
                        + "' object is unsafe (chat templates run in an immutable sandbox)");
            }
            return new MethodNotFoundException("'" + type + "' object has no attribute '" + name + "'");
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (base instanceof String s) {
                context.setPropertyResolved(true);
                Integer index = index(property);
                if (index != null) {
                    int length = PyStr.length(s);
                    int i = index < 0 ? index + length : index;
                    return i < 0 || i >= length ? null : PyStr.substring(s, i, i + 1);
                }
                return null; // Jinja2: an unknown attribute of a string is undefined
            }
            if (base instanceof Map.Entry<?, ?> e) { // a (key, value) pair from items() or dictsort
                context.setPropertyResolved(true);
                Integer index = index(property);
                if (index != null) {
                    int i = index < 0 ? index + 2 : index;
                    return i == 0 ? e.getKey() : i == 1 ? e.getValue() : null;
                }
                return null;
            }
            return null;
        }

        /** An integer subscript; Jinjava hands bracket subscripts to resolvers as strings ("0", "-1"). */
        private static Integer index(Object property) {
            if (property instanceof Number n && !(property instanceof Double) && !(property instanceof Float)) {
                return n.intValue();
            }
            if (property instanceof String s && s.matches("-?\\d{1,9}")) {
                return Integer.parseInt(s);
            }
            return null;
        }

        @Override
        public Class<?> getType(ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(ELContext context, Object base, Object property, Object value) {
            // read-only: never resolves
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }

        @Override
        public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
            return Collections.emptyIterator();
        }

        @Override
        public Class<?> getCommonPropertyType(ELContext context, Object base) {
            return null;
        }
    }

    /** Jinjava's bean resolver, limited to Jinjava's own filter/test objects and the loop variable. */
    private static final class JinjavaOwnObjects extends JinjavaBeanELResolver {

        JinjavaOwnObjects() {
            super(true);
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (base instanceof ForLoop) {
                return super.getValue(context, base, property);
            }
            return null; // not resolved: undefined, as Jinja2 treats a missing attribute
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            String name = Objects.toString(method, "");
            boolean allowed = (base instanceof Filter && name.equals("filter"))
                    || (base instanceof ExpTest && (name.equals("evaluate") || name.equals("evaluateNegated")))
                    || (base instanceof ForLoop && name.equals("cycle"));
            if (!allowed) {
                throw new MethodNotFoundException("'" + PyStr.typeName(base) + "' object has no method '" + name
                        + "' a chat template may call");
            }
            return super.invoke(context, base, method, paramTypes, params);
        }
    }
}
