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
    private final Class<T> type;
    private final RecordComponent[] components;
    private final Map<String, Object> values = new HashMap<>();

    RecordBuilder(Class<T> type) {
        this.type = type;
        this.components = type.getRecordComponents();
    }

    /** A copy of {@code record} with one component replaced. */
    @SuppressWarnings("unchecked")
    static <T extends Record> T with(T record, String name, Object value) {
        RecordBuilder<T> b = new RecordBuilder<>((Class<T>) record.getClass());
        try {
            for (RecordComponent c : b.components) {
                b.values.put(c.getName(), c.getAccessor().invoke(record));
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        b.component(name);
        b.values.put(name, value);
        return b.build();
    }

    RecordBuilder<T> set(String name, Object value) {
        component(name);
        if (value != null) {
            values.put(name, value);
        }
        return this;
    }

    /** Sets the value only if the file did not already. */
    RecordBuilder<T> setDefault(String name, Object value) {
        component(name);
        if (value != null) {
            values.putIfAbsent(name, value);
        }
        return this;
    }

    @SuppressWarnings("unchecked")
    <V> RecordBuilder<T> add(String name, V item) {
        component(name);
        if (item != null) {
            ((List<V>) values.computeIfAbsent(name, k -> new ArrayList<V>())).add(item);
        }
        return this;
    }

    Object get(String name) {
        component(name);
        return values.get(name);
    }

    boolean has(String name) {
        component(name);
        return values.containsKey(name);
    }

    T build() {
        Object[] args = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            types[i] = c.getType();
            Object v = values.get(c.getName());
            if (v instanceof List<?> l) {
                v = List.copyOf(l);
            }
            args[i] = v != null ? v : defaultFor(c.getType());
        }
        try {
            Constructor<T> ctor = type.getDeclaredConstructor(types);
            return ctor.newInstance(args);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException("building " + type.getSimpleName(), e.getCause());
        } catch (ReflectiveOperationException | IllegalArgumentException e) {
            throw new IllegalStateException("building " + type.getSimpleName() + " from " + values, e);
        }
    }

    private RecordComponent component(String name) {
        for (RecordComponent c : components) {
            if (c.getName().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException(type.getSimpleName() + " has no component " + name);
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
