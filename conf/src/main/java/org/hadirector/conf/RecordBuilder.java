package org.hadirector.conf;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Collects a record's components by name while a block is read, then builds the immutable record.
 * The block readers set only what the file says; everything else takes the default given here, so
 * each keyword appears once in the reader instead of three times in a hand-written builder.
 * A misspelt component name is a programming error and fails the first test that reaches it.
 */
final class RecordBuilder<T extends Record> {

    /** What reflection says about a record type, looked up once per type (it is slow). */
    private static final class Shape {
        final RecordComponent[] components;
        final Map<String, Integer> index = new HashMap<>();
        final Object[] defaults;
        final Constructor<?> constructor;

        Shape(Class<?> type) {
            components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            defaults = new Object[components.length];
            for (int i = 0; i < components.length; i++) {
                index.put(components[i].getName(), i);
                types[i] = components[i].getType();
                defaults[i] = defaultFor(types[i]);
            }
            try {
                constructor = type.getDeclaredConstructor(types);
                constructor.setAccessible(true); // skips the per-call access check
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            return new Shape(type);
        }
    };

    private final Class<T> type;
    private final Shape shape;
    private final Object[] values;

    RecordBuilder(Class<T> type) {
        this.type = type;
        this.shape = SHAPES.get(type);
        this.values = new Object[shape.components.length];
    }

    /** A copy of {@code record} with one component replaced. */
    @SuppressWarnings("unchecked")
    static <T extends Record> T with(T record, String name, Object value) {
        RecordBuilder<T> b = new RecordBuilder<>((Class<T>) record.getClass());
        try {
            for (int i = 0; i < b.values.length; i++) {
                b.values[i] = b.shape.components[i].getAccessor().invoke(record);
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        b.values[b.component(name)] = value;
        return b.build();
    }

    RecordBuilder<T> set(String name, Object value) {
        int i = component(name);
        if (value != null) {
            values[i] = value;
        }
        return this;
    }

    /** Sets the value only if the file did not already. */
    RecordBuilder<T> setDefault(String name, Object value) {
        int i = component(name);
        if (value != null && values[i] == null) {
            values[i] = value;
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    <V> RecordBuilder<T> add(String name, V item) {
        int i = component(name);
        if (item != null) {
            if (values[i] == null) {
                values[i] = new ArrayList<V>();
            }
            ((List<V>) values[i]).add(item);
        }
        return this;
    }

    Object get(String name) {
        return values[component(name)];
    }

    boolean has(String name) {
        return values[component(name)] != null;
    }

    T build() {
        Object[] args = new Object[values.length];
        for (int i = 0; i < values.length; i++) {
            Object v = values[i];
            if (v instanceof List<?> l) {
                v = List.copyOf(l);
            }
            args[i] = v != null ? v : shape.defaults[i];
        }
        try {
            return type.cast(shape.constructor.newInstance(args));
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("building " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new IllegalStateException("building " + type.getSimpleName() + " from " + List.of(values), e);
        }
    }

    private int component(String name) {
        Integer i = shape.index.get(name);
        if (i == null) {
            throw new IllegalArgumentException(type.getSimpleName() + " has no component " + name);
        }
        return i;
    }

    private static Object defaultFor(Class<?> t) {
        if (t == boolean.class) {
            return false;
        }
        if (t == int.class) {
            return 0;
        }
        if (t == long.class) {
            return 0L;
        }
        if (t == List.class) {
            return List.of();
        }
        return null;
    }
}
