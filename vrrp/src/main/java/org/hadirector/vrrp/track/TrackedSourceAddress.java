package org.hadirector.vrrp.track;

import java.net.InetAddress;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RtNetlink;

/**
 * track_src_ip: whether the configured source address (unicast_src_ip / mcast_src_ip) is on the
 * instance's interface (or its VMAC), from the interface's addresses as a dump lists them and as
 * address events change them. Missing, the instance is in FAULT (a weight-0 tracked object, like
 * its interface down): the man page's "if the configured src_ip doesn't exist or is removed put
 * the instance into fault state". Pure: the runtime hands it the dump and the events.
 *
 * <p>keepalived 2.2.7 gets there by another road (keepalived_netlink.c, netlink_if_address_filter):
 * it follows only the interface's first address of the family (IPv6: link-local), and faults
 * when that one goes and was the last, and recovers when the same address is the first to come
 * back. Here the address itself is followed: a source that is a secondary address, or one that
 * comes back after another, is seen too (docs/keepalived-compat.md says so).
 *
 * <p>{@link #onHost} follows the address on any interface of the host instead: a unicast
 * instance without track_src_ip whose source is not on the host at start waits in FAULT for it
 * (keepalived's socket cannot bind there, see VrrpInstanceRuntime).
 */
public final class TrackedSourceAddress {
    /** One copy of the source on an interface: the kernel keeps an IPv4 address once per prefix length. */
    private record Held(int ifindex, int prefixLength) {}

    private final InetAddress source;
    /** The key's word: why the address is followed. */
    private final String keyword;
    /** Any interface of the host counts, not only {@link #resync}'s. */
    private final boolean anyInterface;

    private final Set<Integer> interfaces = new HashSet<>();
    /** Only copies of the source are kept, so it holds at most a few entries whatever the events. */
    private final Set<Held> held = new HashSet<>();

    public TrackedSourceAddress(InetAddress source) {
        this(source, "track_src_ip", false);
    }

    private TrackedSourceAddress(InetAddress source, String keyword, boolean anyInterface) {
        this.source = source;
        this.keyword = keyword;
        this.anyInterface = anyInterface;
    }

    /**
     * Follows {@code source} on every interface of the host (resync's interfaces are ignored);
     * {@code keyword} (unicast_src_ip) names it in the key.
     */
    public static TrackedSourceAddress onHost(InetAddress source, String keyword) {
        return new TrackedSourceAddress(source, keyword, true);
    }

    /** The tracked object's key in the instance's {@link TrackerSet}; its fault reads "KEY is down". */
    public String key() {
        return "source address " + Addresses.format(source) + " (" + keyword + ")";
    }

    public InetAddress source() {
        return source;
    }

    /** True while the source is on one of the watched interfaces. */
    public boolean present() {
        return !held.isEmpty();
    }

    /**
     * Starts over from a dump of the addresses (at start, after a restart, after an overrun of the
     * event socket) on {@code ifindexes}, the instance's interface and its VMAC; true when that
     * changed {@link #present()}.
     */
    public boolean resync(Collection<Integer> ifindexes, Collection<RtNetlink.Address> dump) {
        boolean before = present();
        interfaces.clear();
        interfaces.addAll(ifindexes);
        held.clear();
        for (RtNetlink.Address a : dump) {
            added(a);
        }
        return before != present();
    }

    /** An address was added; true when that made the source present. */
    public boolean added(RtNetlink.Address a) {
        if (!ours(a)) {
            return false;
        }
        boolean before = present();
        held.add(new Held(a.ifindex(), a.prefixLength()));
        return !before;
    }

    /** An address was removed; true when that was the source's last copy. */
    public boolean removed(RtNetlink.Address a) {
        if (!ours(a)) {
            return false;
        }
        return held.remove(new Held(a.ifindex(), a.prefixLength())) && held.isEmpty();
    }

    private boolean ours(RtNetlink.Address a) {
        return (anyInterface || interfaces.contains(a.ifindex())) && a.address().equals(source);
    }

    @Override
    public String toString() {
        return key() + (present() ? " present" : " missing");
    }
}
