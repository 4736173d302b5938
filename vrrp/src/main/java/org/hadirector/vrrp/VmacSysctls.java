package org.hadirector.vrrp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sysctls keepalived 2.2.7 sets for a VMAC (vrrp_if_config.c), so that a macvlan without an
 * address of its own receives the adverts and answers ARP only for its VIPs:
 *
 * <ul>
 *   <li>on an IPv4 VMAC: arp_ignore=1 (answer only for its own addresses), accept_local=1 (hear
 *       adverts sourced from a local address), rp_filter=0 (receive adverts whose source is
 *       routed through the base interface), promote_secondaries=1; IPv6 off on it unless an
 *       excluded VIP needs it;
 *   <li>on the base interface of an IPv4 VMAC: arp_ignore=1 and arp_filter=1, so that the base
 *       does not answer ARP for the VIPs with its own MAC; put back when its last VMAC goes;
 *   <li>net.ipv4.conf.all.rp_filter, if not 0: raised first into default and into every
 *       interface whose own value is lower (so no interface changes its behaviour), then set to
 *       0, since the kernel uses the larger of "all" and the interface's; put back when the last
 *       VMAC goes, where nobody changed it since;
 *   <li>on an IPv6 VMAC: IPv6 on.
 * </ul>
 *
 * The bookkeeping is per process (instances share a base interface and "all"). Failures are
 * logged, never fatal, as keepalived does.
 */
final class VmacSysctls {
    private static final Logger LOG = LoggerFactory.getLogger(VmacSysctls.class);

    /** Per base interface conf directory: how many IPv4 VMACs use it, and its values before. */
    private static final Map<Path, Integer> BASE_HOLDERS = new HashMap<>();

    private static final Map<Path, String[]> BASE_BEFORE = new HashMap<>();
    /** IPv4 VMACs in this process; "all" is cleared for the first, put back after the last. */
    private static int rpHolders;

    private static RpFilter rpBefore;

    /** What clearing all.rp_filter changed, to put back. */
    private record RpFilter(Path ipv4, int all, Integer defaultBefore, Map<String, Integer> raised) {}

    private final Path net;
    private final String owner;
    private Path heldBase;
    private boolean heldRp;

    /** {@code net}: /proc/sys/net, or a test's directory. */
    VmacSysctls(Path net, String owner) {
        this.net = net;
        this.owner = owner;
    }

    /**
     * Sets the VMAC's and its base's sysctls; idempotent for this instance (a restart calls it
     * again). {@code ipv6On}: an IPv4 VMAC keeps IPv6 on when an excluded VIP of IPv6 is on it.
     */
    void set(String vmac, String base, boolean ipv6, boolean ipv6On) {
        synchronized (VmacSysctls.class) {
            if (!ipv6) {
                if (!heldRp) {
                    heldRp = true;
                    if (rpHolders++ == 0) {
                        rpBefore = clearRpFilter();
                    }
                }
                Path v4 = net.resolve("ipv4/conf").resolve(vmac);
                write(v4.resolve("arp_ignore"), 1);
                write(v4.resolve("accept_local"), 1);
                write(v4.resolve("rp_filter"), 0);
                write(v4.resolve("promote_secondaries"), 1);
                holdBase(net.resolve("ipv4/conf").resolve(base));
            }
            write(net.resolve("ipv6/conf").resolve(vmac).resolve("disable_ipv6"), ipv6 || ipv6On ? 0 : 1);
        }
    }

    /** This instance's VMAC is gone: the last one on a base puts its ARP settings back, the last of all rp_filter. */
    void restore() {
        synchronized (VmacSysctls.class) {
            releaseBase();
            if (heldRp) {
                heldRp = false;
                if (--rpHolders == 0 && rpBefore != null) {
                    restoreRpFilter(rpBefore);
                    rpBefore = null;
                }
            }
        }
    }

    /** Holds the base's ARP settings; checked again on each call, since a re-created base starts afresh. */
    private void holdBase(Path conf) {
        if (!conf.equals(heldBase)) {
            releaseBase();
            heldBase = conf;
            BASE_HOLDERS.merge(conf, 1, Integer::sum);
        }
        String ignore = read(conf.resolve("arp_ignore"));
        String filter = read(conf.resolve("arp_filter"));
        if (ignore == null || filter == null) {
            return;
        }
        if (!ignore.equals("1") || !filter.equals("1")) {
            BASE_BEFORE.putIfAbsent(conf, new String[] {ignore, filter});
            write(conf.resolve("arp_ignore"), 1);
            write(conf.resolve("arp_filter"), 1);
            LOG.info("{}: arp_ignore=1 and arp_filter=1 on {} for its VMAC", owner, conf.getFileName());
        }
    }

    private void releaseBase() {
        if (heldBase == null) {
            return;
        }
        Path conf = heldBase;
        heldBase = null;
        if (BASE_HOLDERS.merge(conf, -1, Integer::sum) > 0) {
            return;
        }
        BASE_HOLDERS.remove(conf);
        String[] before = BASE_BEFORE.remove(conf);
        if (before != null && Files.exists(conf)) {
            writeText(conf.resolve("arp_ignore"), before[0]);
            writeText(conf.resolve("arp_filter"), before[1]);
            LOG.info(
                    "{}: arp_ignore={} and arp_filter={} put back on {}",
                    owner,
                    before[0],
                    before[1],
                    conf.getFileName());
        }
    }

    private RpFilter clearRpFilter() {
        Path ipv4 = net.resolve("ipv4/conf");
        Integer all = number(ipv4.resolve("all/rp_filter"));
        if (all == null || all == 0) {
            return null;
        }
        Integer def = number(ipv4.resolve("default/rp_filter"));
        Integer defaultBefore = null;
        if (def != null && def < all) {
            write(ipv4.resolve("default/rp_filter"), all);
            defaultBefore = def;
        }
        Map<String, Integer> raised = new LinkedHashMap<>();
        try (Stream<Path> dirs = Files.list(ipv4)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                String n = d.getFileName().toString();
                Integer v = n.equals("all") || n.equals("default") ? null : number(d.resolve("rp_filter"));
                if (v != null && v < all) {
                    write(d.resolve("rp_filter"), all);
                    raised.put(n, v);
                }
            }
        } catch (IOException e) {
            LOG.warn("{}: cannot list {}: {}", owner, ipv4, e.toString());
        }
        write(ipv4.resolve("all/rp_filter"), 0);
        LOG.info(
                "{}: net.ipv4.conf.all.rp_filter {} -> 0 for the VMAC (default and {} interfaces raised to {} first, "
                        + "as keepalived does)",
                owner,
                all,
                raised.size(),
                all);
        return new RpFilter(ipv4, all, defaultBefore, raised);
    }

    private void restoreRpFilter(RpFilter r) {
        Integer all = number(r.ipv4().resolve("all/rp_filter"));
        if (all != null && all == 0) {
            write(r.ipv4().resolve("all/rp_filter"), r.all());
        }
        if (r.defaultBefore() != null
                && Integer.valueOf(r.all()).equals(number(r.ipv4().resolve("default/rp_filter")))) {
            write(r.ipv4().resolve("default/rp_filter"), r.defaultBefore());
        }
        r.raised().forEach((n, v) -> {
            Path p = r.ipv4().resolve(n).resolve("rp_filter");
            if (Integer.valueOf(r.all()).equals(number(p))) {
                write(p, v);
            }
        });
        LOG.info("{}: net.ipv4.conf.all.rp_filter put back to {}", owner, r.all());
    }

    private Integer number(Path p) {
        String s = read(p);
        try {
            return s == null ? null : Integer.valueOf(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot read {}: {}", owner, p, e.toString());
            return null;
        }
    }

    private void write(Path p, int value) {
        writeText(p, Integer.toString(value));
    }

    private void writeText(Path p, String value) {
        try {
            Files.writeString(p, value + "\n");
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: cannot set {} to {}: {}", owner, p, value, e.toString());
        }
    }
}
