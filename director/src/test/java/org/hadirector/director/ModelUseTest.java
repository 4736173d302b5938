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
                    "default_interface: keepalived puts static addresses and the VIPs of an instance without an interface on it; both are refused here, so it changes nothing that runs"),
            Map.entry(
                    "GlobalDefs.maxAutoPriority",
                    "max_auto_priority: realtime scheduling of keepalived's processes, meaningless for the JVM"),
            Map.entry(
                    "GlobalDefs.vrrpGarpInterval",
                    "vrrp_garp_interval: the gratuitous ARPs of a burst go out back to back"),
            Map.entry(
                    "GlobalDefs.vrrpGnaInterval",
                    "vrrp_gna_interval: the neighbour advertisements of a burst go out back to back"),
            Map.entry("GlobalDefs.vrrpStartupDelay", "vrrp_startup_delay: instances start at once"),
            Map.entry(
                    "HttpGetCheck.fastRecovery",
                    "fast_recovery: the check's delay after a failure is delay_before_retry as usual"),
            Map.entry(
                    "HttpGetCheck.httpProtocol",
                    "http_protocol: requests are HTTP/1.1 with Connection: close whatever it says"),
            Map.entry(
                    "KeepalivedConfig.unsupportedBlocks",
                    "the top-level blocks the reader ignored, each with its warning"),
            Map.entry(
                    "RealServer.tunnel",
                    "tunnel_type / tunnel_port / tunnel_nocsum / tunnel_csum: IPVS tunnel options not passed to the kernel"),
            Map.entry(
                    "SorryServer.tunnel",
                    "tunnel_type / tunnel_port / tunnel_nocsum / tunnel_csum: IPVS tunnel options not passed to the kernel"),
            Map.entry(
                    "SslSettings.ca",
                    "the SSL block's ca: keepalived loads it without verifying the real server's certificate; nothing is loaded here"),
            Map.entry(
                    "TunnelSettings.checksum",
                    "tunnel_nocsum / tunnel_csum / tunnel_remcsum: IPVS tunnel options not passed to the kernel"),
            Map.entry("VirtualIpAddress.noTrack", "a VIP's no_track: its interface is tracked anyway"),
            Map.entry("VirtualIpAddress.peer", "a VIP's peer: the address is added without a peer"),
            Map.entry("VirtualServer.omega", "omega: quorum_down is not run at shutdown"),
            Map.entry(
                    "VirtualServer.tunnel",
                    "tunnel_type / tunnel_port / tunnel_nocsum / tunnel_csum: IPVS tunnel options not passed to the kernel"),
            Map.entry("VrrpInstance.trackSrcIp", "track_src_ip: a change of the source address is not tracked"),
            Map.entry(
                    "VrrpInstance.unicastFaultNoPeer",
                    "unicast_fault_no_peer: an instance without peers is not put in FAULT"),
            Map.entry(
                    "VrrpInstance.vmacInterface", "use_vmac's interface name: use_vmac is refused (Unbuilt.USE_VMAC)"),
            Map.entry("VrrpInstance.vmacXmitBase", "vmac_xmit_base: use_vmac is refused (Unbuilt.USE_VMAC)"),
            Map.entry(
                    "VrrpSyncGroup.globalTracking",
                    "global_tracking: deprecated in keepalived (sync_group_tracking_weight replaces it); not applied"));

    /**
     * Components a reader applies while it builds the model (not through an accessor, so the
     * search below cannot see them): vrrp_min_garp sets the GARP defaults in GlobalDefsReader.
     */
    static final Set<String> APPLIED_BY_READER = Set.of("GlobalDefs.vrrpMinGarp");

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
