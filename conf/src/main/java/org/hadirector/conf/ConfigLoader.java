package org.hadirector.conf;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.hadirector.conf.model.FileCheck;
import org.hadirector.conf.model.ForwardingMethod;
import org.hadirector.conf.model.GlobalDefs;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.conf.model.RealServer;
import org.hadirector.conf.model.TrackFile;
import org.hadirector.conf.model.TrackProcess;
import org.hadirector.conf.model.TrackedRef;
import org.hadirector.conf.model.UnicastPeer;
import org.hadirector.conf.model.VirtualServer;
import org.hadirector.conf.model.VirtualServerGroup;
import org.hadirector.conf.model.VirtualServerKind;
import org.hadirector.conf.model.VrrpInstance;
import org.hadirector.conf.model.VrrpScript;
import org.hadirector.conf.model.VrrpSyncGroup;
import org.hadirector.conf.model.VsgEntry;
import org.hadirector.conf.parse.Preprocessor;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.StatementParser;
import org.hadirector.sys.Addresses;

/**
 * Reads a keepalived.conf into a {@link KeepalivedConfig}: preprocess, parse, read each block,
 * then check what spans blocks (names that refer to each other, duplicate VRIDs).
 * Errors throw {@link ConfigException}; warnings come back with the model.
 */
public final class ConfigLoader {

    /**
     * {@code configId} selects @id lines (keepalived's -i, default the host name);
     * {@code interfaceExists}, when not null, turns unknown interface names into warnings.
     */
    public record Options(String configId, String hostName, Predicate<String> interfaceExists) {
        public static Options defaults() {
            String host = HostName.get();
            int dot = host.indexOf('.');
            return new Options(dot > 0 ? host.substring(0, dot) : host, host, null);
        }

        public Options withConfigId(String id) {
            return new Options(id, hostName, interfaceExists);
        }

        public Options withInterfaceCheck(Predicate<String> exists) {
            return new Options(configId, hostName, exists);
        }
    }

    public record Result(KeepalivedConfig config, List<Diagnostic> warnings) {}

    private ConfigLoader() {}

    public static Result load(Path file, Options options) throws ConfigException {
        Diagnostics d = new Diagnostics();
        Reader reader = new Reader(d, options);
        StatementParser parser = new StatementParser(d, reader::accept);
        new Preprocessor(options.configId(), d, parser).read(file);
        return build(parser, reader, d);
    }

    /** Reads text as if it were the file {@code name} in {@code directory} (for includes). */
    public static Result loadString(String name, String text, Path directory, Options options) throws ConfigException {
        Diagnostics d = new Diagnostics();
        Reader reader = new Reader(d, options);
        StatementParser parser = new StatementParser(d, reader::accept);
        new Preprocessor(options.configId(), d, parser).readString(name, text, directory);
        return build(parser, reader, d);
    }

    /**
     * Preprocessor, parser and reader run as one pipeline: each line is tokenized and parsed as it
     * is produced, and each top-level block becomes model as soon as it closes.
     */
    private static Result build(StatementParser parser, Reader reader, Diagnostics d) throws ConfigException {
        parser.finish();
        KeepalivedConfig config = reader.finish();
        if (d.hasErrors()) {
            throw ConfigException.invalid(d);
        }
        return new Result(config, d.warnings());
    }

    private static final class Reader {
        private final Diagnostics d;
        private final ValueReader v;
        private final Options options;
        // Identity, not equality: two identical blocks are still two places in the file.
        private final Map<Object, Location> where = new java.util.IdentityHashMap<>();

        Reader(Diagnostics d, Options options) {
            this.d = d;
            this.v = new ValueReader(d, options.interfaceExists());
            this.options = options;
            this.globals = new GlobalDefsReader(v, options.hostName());
            this.vrrp = new VrrpReader(v);
            this.lvs = new LvsReader(v);
        }

        private final GlobalDefsReader globals;
        private final VrrpReader vrrp;
        private final LvsReader lvs;
        private final RecordBuilder<KeepalivedConfig> b = new RecordBuilder<>(KeepalivedConfig.class);
        /** Instances take defaults from global_defs, which may come later in the file. */
        private final List<Statement> instances = new ArrayList<>();

        /**
         * Reads one top-level block as soon as the parser completes it, so that a large file is
         * never held whole as a statement tree.
         */
        void accept(Statement s) {
            String kw = Keywords.canonical(s.name());
            switch (kw) {
                case "global_defs" -> {
                    List<Statement> block = v.block(s);
                    if (block != null) {
                        globals.read(block);
                    }
                }
                case "vrrp_instance" -> instances.add(s);
                case "static_ipaddress" -> vrrp.addressList(s, false).forEach(a -> b.add("staticIpaddress", a));
                case "static_routes" -> vrrp.rawLines(s).forEach(r -> b.add("staticRoutes", r));
                case "static_rules" -> vrrp.rawLines(s).forEach(r -> b.add("staticRules", r));
                case "vrrp_script" -> add(b, "vrrpScripts", vrrp.script(s), s);
                case "track_file" -> add(b, "trackFiles", vrrp.trackFile(s), s);
                case "vrrp_track_process" -> add(b, "trackProcesses", vrrp.trackProcess(s), s);
                case "vrrp_sync_group" -> add(b, "vrrpSyncGroups", vrrp.syncGroup(s), s);
                case "garp_group" -> add(b, "garpGroups", vrrp.garpGroup(s), s);
                case "virtual_server_group" -> add(b, "virtualServerGroups", lvs.group(s), s);
                case "virtual_server" -> add(b, "virtualServers", lvs.virtualServer(s), s);
                case "SSL" -> b.set("ssl", lvs.ssl(s));
                default -> {
                    if (Keywords.TOP_UNSUPPORTED.contains(kw)) {
                        v.warning(s, "'" + s.name() + "' is not supported by hadirector; ignored");
                        b.add("unsupportedBlocks", s.name());
                    } else {
                        v.warning(s, "unknown keyword '" + s.name() + "' at top level; ignored");
                    }
                }
            }
        }

        KeepalivedConfig finish() {
            GlobalDefs g = globals.build();
            b.set("globalDefs", g);
            for (Statement s : instances) {
                add(b, "vrrpInstances", vrrp.instance(s, g), s);
            }
            return crossCheck(b.build());
        }

        private void add(RecordBuilder<KeepalivedConfig> b, String field, Record r, Statement s) {
            if (r != null) {
                b.add(field, r);
                where.put(r, s.location());
            }
        }

        private Location at(Object r) {
            return where.get(r);
        }

        private KeepalivedConfig crossCheck(KeepalivedConfig c) {
            Map<String, VrrpScript> scripts = unique(c.vrrpScripts(), VrrpScript::name, "vrrp_script");
            Map<String, TrackFile> files = unique(c.trackFiles(), TrackFile::name, "track_file");
            Map<String, TrackProcess> processes = unique(c.trackProcesses(), TrackProcess::name, "vrrp_track_process");
            Map<String, VrrpInstance> instances = unique(c.vrrpInstances(), VrrpInstance::name, "vrrp_instance");
            Map<String, VirtualServerGroup> groups =
                    unique(c.virtualServerGroups(), VirtualServerGroup::name, "virtual_server_group");
            unique(c.vrrpSyncGroups(), VrrpSyncGroup::name, "vrrp_sync_group");

            List<VrrpInstance> checked = new ArrayList<>();
            for (VrrpInstance i : c.vrrpInstances()) {
                VrrpInstance fixed = i;
                fixed = RecordBuilder.with(
                        fixed, "trackScripts", known(i, i.trackScripts(), scripts.keySet(), "track script"));
                fixed = RecordBuilder.with(fixed, "trackFiles", known(i, i.trackFiles(), files.keySet(), "track file"));
                fixed = RecordBuilder.with(
                        fixed, "trackProcesses", known(i, i.trackProcesses(), processes.keySet(), "track process"));
                where.put(fixed, at(i));
                checked.add(fixed);
            }
            duplicateVrids(checked);

            Map<String, String> groupOf = new HashMap<>();
            for (VrrpSyncGroup sg : c.vrrpSyncGroups()) {
                for (String m : sg.members()) {
                    if (!instances.containsKey(m)) {
                        d.warning(
                                at(sg),
                                "vrrp_sync_group " + sg.name() + ": vrrp_instance " + m + " does not exist; ignored");
                    } else if (groupOf.containsKey(m) && !groupOf.get(m).equals(sg.name())) {
                        d.error(
                                at(sg),
                                "vrrp_instance " + m + " is in two sync groups (" + groupOf.get(m) + " and " + sg.name()
                                        + "); an instance can be in only one");
                    } else {
                        groupOf.put(m, sg.name());
                    }
                }
            }
            if (c.globalDefs().lvsSyncDaemon() != null) {
                String inst = c.globalDefs().lvsSyncDaemon().vrrpInstance();
                if (inst != null && !instances.containsKey(inst)) {
                    d.error(globals.lvsSyncDaemonAt, "lvs_sync_daemon: vrrp_instance " + inst + " does not exist");
                }
            }
            Set<String> vsKeys = new HashSet<>();
            Map<String, String> serviceAt = new HashMap<>();
            for (VirtualServer vs : c.virtualServers()) {
                if (vs.kind() == VirtualServerKind.GROUP && !groups.containsKey(vs.group())) {
                    d.error(
                            at(vs),
                            "virtual_server group " + vs.group() + ": no virtual_server_group of that name is defined");
                } else if (vs.kind() == VirtualServerKind.GROUP) {
                    groupUse(vs, groups.get(vs.group()));
                }
                services(vs, groups.get(vs.group()), serviceAt);
                String key = vs.kind() + " " + vs.protocol() + " " + vs.displayName();
                if (!vsKeys.add(key)) {
                    d.error(at(vs), "virtual server " + vs.displayName() + " is defined twice");
                }
                for (RealServer rs : vs.realServers()) { // a plain loop: it runs for every real server at each start
                    for (var ch : rs.checkers()) {
                        if (ch instanceof FileCheck fc
                                && fc.trackFile() != null
                                && !files.containsKey(fc.trackFile())) {
                            d.error(
                                    at(vs),
                                    "FILE_CHECK of real server " + Addresses.format(rs.address()) + ": track_file "
                                            + fc.trackFile() + " is not defined");
                        }
                    }
                }
            }
            return RecordBuilder.with(c, "vrrpInstances", checked);
        }

        /**
         * What keepalived's validate_check_config says of a virtual_server using a group: ha_suspend
         * with fwmark entries is an error, an address entry without a port needs persistence, and a
         * DR or TUN real server's port must be each address entry's (a fwmark entry ignores it).
         */
        private void groupUse(VirtualServer vs, VirtualServerGroup g) {
            boolean marks = g.entries().stream().anyMatch(VsgEntry::isFwmark);
            if (vs.haSuspend() && marks) {
                d.error(
                        at(vs),
                        vs.displayName() + ": ha_suspend cannot be used with fwmark entries (keepalived clears it)");
            }
            if (vs.persistenceTimeout() == null
                    && g.entries().stream().anyMatch(e -> !e.isFwmark() && e.port() == null)) {
                d.error(
                        at(vs),
                        vs.displayName() + ": an entry without a port is only valid for a persistent service; "
                                + "set persistence_timeout (keepalived sets it to 360)");
            }
            for (RealServer rs : vs.realServers()) {
                if (rs.lvsMethod() == ForwardingMethod.NAT || rs.port() == null) {
                    continue;
                }
                if (marks) {
                    // keepalived's "port will be ignored" is a configuration error: -t fails on it
                    d.error(
                            at(vs),
                            vs.displayName() + ": real server " + Addresses.withPort(rs.address(), rs.port())
                                    + " has a port, which a fwmark entry cannot take; give it none "
                                    + "(and its checks a connect_port)");
                }
                for (VsgEntry e : g.entries()) {
                    if (!e.isFwmark() && !Objects.equals(e.port(), rs.port())) {
                        d.error(
                                at(vs),
                                vs.displayName() + ": real server " + Addresses.withPort(rs.address(), rs.port())
                                        + " and entry " + entryText(e) + " ports don't match (" + rs.lvsMethod()
                                        + " keeps the virtual port)");
                    }
                }
            }
        }

        private static String entryText(VsgEntry e) {
            if (e.isFwmark()) {
                return "fwmark " + Integer.toUnsignedString(e.fwmark());
            }
            String range = e.first().equals(e.last())
                    ? Addresses.format(e.first())
                    : Addresses.format(e.first()) + "-" + Addresses.format(e.last());
            return e.port() == null ? range : range + " " + e.port();
        }

        /**
         * Every IPVS service a virtual_server makes (a group's: one per address of each range,
         * one per fwmark entry) may be made once only: keepalived's second add fails in the kernel
         * and leaves the rest of that group out, so hadirector refuses it at the file.
         */
        private void services(VirtualServer vs, VirtualServerGroup g, Map<String, String> seen) {
            List<String> keys = new ArrayList<>();
            String family = vs.ipFamily() != null ? vs.ipFamily() : "inet";
            switch (vs.kind()) {
                case ADDRESS -> keys.add(vs.protocol() + " " + Addresses.withPort(vs.address(), vs.port()));
                case FWMARK -> keys.add("FWM " + vs.fwmark() + " " + family);
                case GROUP -> {
                    if (g == null) {
                        return;
                    }
                    for (VsgEntry e : g.entries()) {
                        if (e.isFwmark()) {
                            keys.add("FWM " + Integer.toUnsignedString(e.fwmark()) + " "
                                    + (e.family() != null ? e.family() : family));
                        } else {
                            for (InetAddress a : e.addresses()) {
                                keys.add(vs.protocol() + " " + Addresses.withPort(a, e.port() == null ? 0 : e.port()));
                            }
                        }
                    }
                }
            }
            Set<String> own = new HashSet<>();
            for (String k : keys) {
                String other = seen.putIfAbsent(k, vs.displayName());
                if (!own.add(k)) {
                    d.error(at(vs), vs.displayName() + ": the service " + k + " is in the group twice");
                    return;
                }
                if (other != null && (vs.kind() == VirtualServerKind.GROUP || other.startsWith("group "))) {
                    d.error(at(vs), vs.displayName() + ": the service " + k + " is also " + other + "'s");
                    return;
                }
            }
        }

        private <T> Map<String, T> unique(List<T> list, java.util.function.Function<T, String> name, String what) {
            Map<String, T> out = new LinkedHashMap<>();
            for (T t : list) {
                if (out.containsKey(name.apply(t))) {
                    d.error(
                            at(t),
                            what + " " + name.apply(t) + " is defined twice (first at " + at(out.get(name.apply(t)))
                                    + ")");
                } else {
                    out.put(name.apply(t), t);
                }
            }
            return out;
        }

        private List<TrackedRef> known(VrrpInstance i, List<TrackedRef> refs, Set<String> names, String what) {
            List<TrackedRef> out = new ArrayList<>();
            for (TrackedRef r : refs) {
                if (names.contains(r.name())) {
                    out.add(r);
                } else {
                    d.warning(
                            at(i),
                            "vrrp_instance " + i.name() + ": " + what + " " + r.name()
                                    + " is not defined; ignored, as keepalived does");
                }
            }
            return out;
        }

        /**
         * Two instances clash when they share interface, family and VRID and would hear each
         * other's adverts: both multicast to the same group, or unicast to overlapping peers.
         */
        private void duplicateVrids(List<VrrpInstance> list) {
            Map<String, VrrpInstance> seen = new HashMap<>();
            for (VrrpInstance i : list) {
                String key = i.interfaceName() + "/" + (i.isIpv6() ? "inet6" : "inet") + "/" + i.virtualRouterId();
                VrrpInstance other = seen.get(key);
                if (other != null && clash(i, other)) {
                    d.error(
                            at(i),
                            "vrrp_instance " + i.name() + ": virtual_router_id " + i.virtualRouterId()
                                    + " is already used on " + i.interfaceName() + " by vrrp_instance " + other.name()
                                    + "; each instance on an interface needs its own VRID");
                } else if (other == null) {
                    seen.put(key, i);
                }
            }
        }

        private static boolean clash(VrrpInstance a, VrrpInstance b) {
            boolean ua = !a.unicastPeers().isEmpty();
            boolean ub = !b.unicastPeers().isEmpty();
            if (ua != ub) {
                return false;
            }
            if (!ua) {
                return Objects.equals(a.mcastDstIp(), b.mcastDstIp());
            }
            Set<InetAddress> peers = new HashSet<>();
            a.unicastPeers().stream().map(UnicastPeer::address).forEach(peers::add);
            return b.unicastPeers().stream().map(UnicastPeer::address).anyMatch(peers::contains);
        }
    }
}
