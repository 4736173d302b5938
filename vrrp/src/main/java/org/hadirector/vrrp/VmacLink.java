package org.hadirector.vrrp;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Arrays;
import org.hadirector.sys.NativeException;
import org.hadirector.sys.RtNetlink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An instance's VMAC on the host, through rtnetlink, as keepalived's netlink_link_add_vmac and
 * netlink_link_del_vmac handle it: made when the instance starts (or taken over when a macvlan of
 * that name is already on the base interface, its MAC and mode corrected if they differ; one on
 * another interface is deleted first), given no automatic IPv6 link-local address, its sysctls
 * set ({@link VmacSysctls}), brought up; deleted when the instance stops.
 */
final class VmacLink {
    private static final Logger LOG = LoggerFactory.getLogger(VmacLink.class);
    /** RT_SCOPE_LINK */
    private static final int SCOPE_LINK = 253;

    private final Vmac vmac;
    private final String base;
    private final String owner;
    private final VmacSysctls sysctls;
    /** The VMAC's index while this instance holds it, else 0. */
    private int ifindex;

    VmacLink(Vmac vmac, String base, String owner, Path procSysNet) {
        this.vmac = vmac;
        this.base = base;
        this.owner = owner;
        this.sysctls = new VmacSysctls(procSysNet, owner);
    }

    String name() {
        return vmac.name();
    }

    /**
     * Makes (or takes over) the VMAC on {@code baseIndex} and returns its index. {@code linkLocal}:
     * the IPv6 link-local address to give it (adverts are sent from it), null for none.
     * {@code ipv6On}: an IPv4 VMAC keeps IPv6 on (an excluded IPv6 VIP is on it).
     */
    int ensure(RtNetlink nl, int baseIndex, InetAddress linkLocal, boolean ipv6On) throws IOException {
        byte[] mac = vmac.mac();
        RtNetlink.LinkDetails d = nl.linkDetails(vmac.name());
        if (d != null && !d.isMacvlan()) {
            throw new IOException(owner + ": use_vmac: interface " + vmac.name() + " exists and is not a macvlan; "
                    + "name another one with 'use_vmac NAME'");
        }
        if (d != null && d.link() != baseIndex) {
            LOG.info(
                    "{}: removing the macvlan {} on another interface (ifindex {}) to make the VMAC on {}",
                    owner,
                    vmac.name(),
                    d.link(),
                    base);
            nl.deleteLink(d.ifindex());
            d = null;
        }
        int idx;
        if (d == null) {
            idx = nl.addMacvlan(vmac.name(), baseIndex, mac, RtNetlink.MACVLAN_MODE_PRIVATE);
            LOG.info("{}: VMAC {} created on {} with MAC {}", owner, vmac.name(), base, format(mac));
        } else if (!Arrays.equals(d.mac(), mac) || d.macvlanMode() != RtNetlink.MACVLAN_MODE_PRIVATE) {
            idx = d.ifindex();
            nl.updateMacvlan(idx, mac, RtNetlink.MACVLAN_MODE_PRIVATE);
            LOG.info(
                    "{}: VMAC {} existed with another MAC or mode: now {} in private mode",
                    owner,
                    vmac.name(),
                    format(mac));
        } else {
            idx = d.ifindex();
            LOG.info("{}: VMAC {} already on {}: taken over", owner, vmac.name(), base);
        }
        ifindex = idx;
        try {
            // RFC 5798 7.4: no link-local address of its own MAC; must precede the link up.
            nl.addrGenModeNone(idx);
        } catch (NativeException e) {
            LOG.warn("{}: cannot set addrgenmode none on {}: {}", owner, vmac.name(), e.getMessage());
        }
        sysctls.set(vmac.name(), base, vmac.ipv6(), ipv6On);
        nl.setUp(idx);
        awaitCarrier(nl, idx);
        if (linkLocal != null) {
            // No DAD: the base interface holds the same address, and a tentative one cannot be bound.
            nl.addAddress(idx, linkLocal, 64, null, SCOPE_LINK, null, RtNetlink.IFA_F_NODAD);
        }
        return idx;
    }

    /**
     * A new macvlan gets its carrier from the base a moment after it is up (the kernel's link
     * watch): waits for it, at most 1 s, so the instance does not start with a FAULT that clears
     * at once. A base without carrier leaves the VMAC without one: the instance then faults.
     */
    private static void awaitCarrier(RtNetlink nl, int idx) throws NativeException {
        for (int i = 0; i < 100; i++) {
            RtNetlink.Link l = nl.link(idx);
            if (l == null || l.usable()) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Deletes the VMAC this instance holds and puts the sysctls back; best effort, logged. */
    void remove() {
        int idx = ifindex;
        ifindex = 0;
        if (idx != 0) {
            try (RtNetlink nl = RtNetlink.open()) {
                RtNetlink.LinkDetails d = nl.linkDetails(vmac.name());
                // Only the link we made or took over: a name re-used by someone else since stays.
                if (d != null && d.ifindex() == idx && d.isMacvlan()) {
                    nl.deleteLink(idx);
                    LOG.info("{}: VMAC {} deleted", owner, vmac.name());
                }
            } catch (NativeException | RuntimeException e) {
                LOG.warn("{}: cannot delete VMAC {}: {}", owner, vmac.name(), e.getMessage());
            }
        }
        sysctls.restore();
    }

    static String format(byte[] mac) {
        StringBuilder b = new StringBuilder();
        for (byte x : mac) {
            if (b.length() > 0) {
                b.append(':');
            }
            b.append(String.format("%02x", x & 0xff));
        }
        return b.toString();
    }
}
