package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.hadirector.conf.model.KeepalivedConfig;
import org.junit.jupiter.api.Test;

/**
 * Nothing parsed is silently ignored: every component of the configuration model (every value
 * the readers fill from a keyword) is read somewhere outside conf (a runtime, a mapper, a
 * refusal), or is listed below as parsed and not acted on, with why. A component that becomes
 * used must leave the list; a new one that nobody reads fails here until it is built, refused
 * (conf/Unbuilt) or listed. docs/keepalived-compat.md's "Parsed, not acted on yet" says the same.
 */
class ModelUseTest {

    /**
     * Model components no runtime reads yet: record.component -> why. The debt of issue 15
     * (each is to be built or refused); each is named in
     * docs/keepalived-compat.md.
     */
    static final Map<String, String> NOT_ACTED_ON = Map.ofEntries(
            Map.entry(
                    "GlobalDefs.defaultInterface",
                    "default_interface: keepalived 2.2.7 uses it only for static addresses without dev (vrrp_ipaddress.c; a VIP without dev in an instance without interface is dropped, not put there); static addresses are refused here, so it changes nothing that runs"),
            Map.entry(
                    "GlobalDefs.maxAutoPriority",
                    "max_auto_priority: realtime scheduling of keepalived's processes, meaningless for the JVM"),
            Map.entry(
                    "HttpGetCheck.fastRecovery",
                    "fast_recovery: every check fetches all urls back to back and one passing round brings a down server up, as keepalived does only with fast_recovery (without it, one url per delay_loop and a further round)"),
            Map.entry(
                    "KeepalivedConfig.unsupportedBlocks",
                    "the top-level blocks the reader ignored, each with its warning"));

    /**
     * Components a reader applies while it builds the model (not through an accessor, so the
     * search below cannot see them): vrrp_min_garp sets the GARP defaults in GlobalDefsReader;
     * global_tracking sets sync_group_tracking_weight in VrrpReader, as keepalived reads it.
     */
    static final Set<String> APPLIED_BY_READER = Set.of("GlobalDefs.vrrpMinGarp", "VrrpSyncGroup.globalTracking");

    /**
     * Where a component counts as read: every module's main sources but the model itself and
     * conf's ConfigJson (which only prints). conf counts: Unbuilt refuses from it, and the readers
     * carry global values into the instances' (vrrp_strict into strict_mode).
     */
    private static final String[] READERS = {"conf", "director", "vrrp", "healthcheck", "ipvs", "sys"};

    @Test
    void everyModelComponentIsReadOrListed() throws IOException {
        String sources = sources();
        Map<String, String> unread = new TreeMap<>();
        Set<String> listedButRead = new TreeSet<>();
        for (Class<?> r : records()) {
            for (RecordComponent c : r.getRecordComponents()) {
                String key = r.getSimpleName() + "." + c.getName();
                // an accessor call, or a reader applying the value it built (RecordBuilder's get("name"))
                boolean read = APPLIED_BY_READER.contains(key)
                        || Pattern.compile("\\." + Pattern.quote(c.getName()) + "\\(\\)")
                                .matcher(sources)
                                .find();
                if (!read && !NOT_ACTED_ON.containsKey(key)) {
                    unread.put(key, "");
                }
                if (read && NOT_ACTED_ON.containsKey(key)) {
                    listedButRead.add(key);
                }
            }
        }
        assertEquals(Map.of(), unread, "model components nobody reads (build, refuse in Unbuilt, or list)");
        assertEquals(Set.of(), listedButRead, "listed as not acted on, but read now: take them off the list");
    }

    /** Every record reachable from KeepalivedConfig through components and their type arguments. */
    static Set<Class<?>> records() {
        Set<Class<?>> seen = new LinkedHashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        todo.add(KeepalivedConfig.class);
        while (!todo.isEmpty()) {
            Class<?> r = todo.poll();
            if (!seen.add(r)) {
                continue;
            }
            for (RecordComponent c : r.getRecordComponents()) {
                for (Class<?> t : classes(c.getGenericType())) {
                    if (t.isRecord() && t.getPackageName().equals(KeepalivedConfig.class.getPackageName())) {
                        todo.add(t);
                    }
                    if (t.isInterface() && t.isSealed()) {
                        for (Class<?> p : t.getPermittedSubclasses()) {
                            todo.add(p);
                        }
                    }
                }
            }
        }
        return seen;
    }

    private static Set<Class<?>> classes(Type t) {
        Set<Class<?>> out = new LinkedHashSet<>();
        if (t instanceof Class<?> c) {
            out.add(c);
        } else if (t instanceof ParameterizedType p) {
            out.addAll(classes(p.getRawType()));
            for (Type a : p.getActualTypeArguments()) {
                out.addAll(classes(a));
            }
        }
        return out;
    }

    /** The main sources of the modules after conf, concatenated, comments left in (a crude but honest reader). */
    private static String sources() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String m : READERS) {
            Path root = Path.of("..", m, "src", "main", "java");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java")
                        && !p.toString().contains("/conf/model/")
                        && !p.getFileName().toString().equals("ConfigJson.java"))::iterator) {
                    b.append(stripComments(Files.readString(f))).append('\n');
                }
            }
        }
        return b.toString();
    }

    private static final Pattern COMMENT = Pattern.compile("/\\*.*?\\*/|//[^\n]*", Pattern.DOTALL);

    private static String stripComments(String s) {
        Matcher m = COMMENT.matcher(s);
        return m.replaceAll(" ");
    }
}
