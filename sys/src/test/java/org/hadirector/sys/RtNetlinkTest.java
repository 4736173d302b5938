package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** rtnetlink against the real kernel in a namespace, checked with ip(8). */
class RtNetlinkTest {

    @Test
    void addListAndDeleteAddressesAsIpShowsThem() throws Exception {
        try (NetnsLab lab = NetnsLab.create("nl")) {
            InetAddress vip = InetAddress.getByName("198.18.0.100");
            InetAddress vip6 = InetAddress.getByName("2001:db8::100");
            lab.in(lab.a, () -> {
                try (RtNetlink nl = RtNetlink.open()) {
                    int e0 = Interfaces.index("e0");
                    nl.addAddress(e0, vip, 32, null, 0, "e0:vip", 0);
                    nl.addAddress(e0, vip, 32, null, 0, "e0:vip", 0); // again: not an error
                    nl.addAddress(e0, vip6, 64, null, 0, null, RtNetlink.IFA_F_NODAD | RtNetlink.IFA_F_NOPREFIXROUTE);
                    // preferred_lft 0: deprecated at once (never a source address), valid for ever
                    nl.addAddress(
                            e0,
                            InetAddress.getByName("2001:db8::101"),
                            64,
                            null,
                            0,
                            null,
                            RtNetlink.IFA_F_NODAD | RtNetlink.IFA_F_NOPREFIXROUTE,
                            0);
                    List<RtNetlink.Address> all = nl.addresses(e0);
                    assertTrue(all.contains(new RtNetlink.Address(e0, vip, 32, 0, "e0:vip")), all.toString());
                    assertTrue(
                            all.stream().anyMatch(a -> a.address().equals(vip6) && a.prefixLength() == 64),
                            all.toString());
                }
                return null;
            });
            String shown = NetnsLab.ip("-n", lab.a, "addr", "show", "dev", "e0");
            assertTrue(shown.contains("inet 198.18.0.100/32 scope global e0:vip"), shown);
            assertTrue(shown.contains("inet6 2001:db8::100/64 scope global nodad noprefixroute"), shown);
            assertTrue(
                    shown.matches("(?s).*inet6 2001:db8::101/64 scope global nodad deprecated noprefixroute \\n"
                            + "\\s+valid_lft forever preferred_lft 0sec.*"),
                    shown);
            lab.in(lab.a, () -> {
                try (RtNetlink nl = RtNetlink.open()) {
                    int e0 = Interfaces.index("e0");
                    assertTrue(nl.deleteAddress(e0, vip, 32));
                    assertFalse(nl.deleteAddress(e0, vip, 32), "second delete: not there");
                    assertTrue(nl.deleteAddress(e0, vip6, 64));
                }
                return null;
            });
            shown = NetnsLab.ip("-n", lab.a, "addr", "show", "dev", "e0");
            assertFalse(shown.contains("198.18.0.100"), shown);
            assertFalse(shown.contains("2001:db8::100"), shown);
        }
    }

    @Test
    void badRequestsComeBackAsErrorsNamingTheRequest() throws Exception {
        try (NetnsLab lab = NetnsLab.create("ne")) {
            NativeException e = assertThrows(
                    NativeException.class,
                    () -> lab.in(lab.a, () -> {
                        try (RtNetlink nl = RtNetlink.open()) {
                            nl.addAddress(9999, InetAddress.getByName("198.18.0.100"), 32, null, 0, null, 0);
                        }
                        return null;
                    }));
            assertTrue(
                    e.getMessage().startsWith("RTM_NEWADDR 198.18.0.100/32 on ifindex 9999: No such device"),
                    e.getMessage());
        }
    }

    @Test
    void linkStateAndLinkEvents() throws Exception {
        try (NetnsLab lab = NetnsLab.create("lk")) {
            List<RtNetlink.Link> seen = lab.in(lab.a, () -> {
                try (RtNetlink monitor = RtNetlink.monitorLinks();
                        RtNetlink nl = RtNetlink.open()) {
                    int e0 = Interfaces.index("e0");
                    assertTrue(nl.link(e0).usable());
                    NetnsLab.ip("-n", lab.a, "link", "set", "e0", "down");
                    assertFalse(nl.link(e0).up());
                    List<RtNetlink.Link> events = new ArrayList<>();
                    Poller p = new Poller(monitor.fd());
                    for (int i = 0; i < 50 && events.stream().noneMatch(l -> !l.up()); i++) {
                        if (p.await(100) != 0) {
                            monitor.readEvents(events::add);
                        }
                    }
                    return events;
                }
            });
            assertTrue(seen.stream().anyMatch(l -> "e0".equals(l.name()) && !l.up()), seen.toString());
        }
    }

    @Test
    void anOverrunIsReportedAndTheSocketGoesOnWorking() throws Exception {
        try (NetnsLab lab = NetnsLab.create("ov")) {
            boolean[] result = lab.in(lab.a, () -> {
                try (RtNetlink monitor = RtNetlink.monitorLinks(4096)) {
                    // 400 link events nobody reads: far more than 8 KiB of buffer holds.
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < 100; i++) {
                        batch.append("link add ov")
                                .append(i)
                                .append(" type veth peer name ow")
                                .append(i)
                                .append('\n');
                    }
                    for (int i = 0; i < 100; i++) {
                        batch.append("link del ov").append(i).append('\n');
                    }
                    java.nio.file.Path f = java.nio.file.Files.createTempFile("burst", ".ip");
                    java.nio.file.Files.writeString(f, batch.toString());
                    NetnsLab.ip("-n", lab.a, "-b", f.toString());
                    java.nio.file.Files.delete(f);
                    boolean overran = false;
                    List<RtNetlink.Link> events = new ArrayList<>();
                    Poller p = new Poller(monitor.fd());
                    for (int i = 0; i < 1000 && p.await(100) != 0; i++) {
                        if (!monitor.readEvents(events::add)) {
                            overran = true;
                        }
                    }
                    // After the overrun the socket still carries events.
                    events.clear();
                    NetnsLab.ip("-n", lab.a, "link", "set", "e0", "down");
                    for (int i = 0; i < 50 && events.stream().noneMatch(l -> "e0".equals(l.name()) && !l.up()); i++) {
                        if (p.await(100) != 0) {
                            monitor.readEvents(events::add);
                        }
                    }
                    return new boolean[] {overran, events.stream().anyMatch(l -> "e0".equals(l.name()) && !l.up())};
                }
            });
            assertTrue(result[0], "the burst overran an 8 KiB buffer and readEvents said so");
            assertTrue(result[1], "events still arrive after the overrun");
        }
    }

    @Test
    void addressEventsTellAdditionsAndRemovalsOfBothFamilies() throws Exception {
        try (NetnsLab lab = NetnsLab.create("ae")) {
            InetAddress v4 = InetAddress.getByName("198.18.0.50");
            InetAddress v6 = InetAddress.getByName("2001:db8::50");
            List<RtNetlink.AddressEvent> seen = lab.in(lab.a, () -> {
                try (RtNetlink monitor = RtNetlink.monitorLinksAndAddresses()) {
                    NetnsLab.ip("-n", lab.a, "addr", "add", "198.18.0.50/24", "dev", "e0");
                    NetnsLab.ip("-n", lab.a, "addr", "add", "2001:db8::50/64", "dev", "e0", "nodad");
                    NetnsLab.ip("-n", lab.a, "addr", "del", "198.18.0.50/24", "dev", "e0");
                    NetnsLab.ip("-n", lab.a, "addr", "del", "2001:db8::50/64", "dev", "e0");
                    List<RtNetlink.AddressEvent> events = new ArrayList<>();
                    Poller p = new Poller(monitor.fd());
                    for (int i = 0;
                            i < 50 && events.stream().filter(e -> !e.added()).count() < 2;
                            i++) {
                        if (p.await(100) != 0) {
                            monitor.readEvents(l -> {}, events::add);
                        }
                    }
                    return events;
                }
            });
            int e0 = lab.in(lab.a, () -> Interfaces.index("e0"));
            for (InetAddress a : List.of(v4, v6)) {
                for (boolean added : new boolean[] {true, false}) {
                    assertTrue(
                            seen.stream()
                                    .anyMatch(e -> e.added() == added
                                            && e.address().address().equals(a)
                                            && e.address().ifindex() == e0),
                            (added ? "added " : "removed ") + a + " in " + seen);
                }
            }
            // a link socket is not told of addresses
            List<RtNetlink.AddressEvent> none = lab.in(lab.a, () -> {
                try (RtNetlink monitor = RtNetlink.monitorLinks()) {
                    NetnsLab.ip("-n", lab.a, "addr", "add", "198.18.0.51/24", "dev", "e0");
                    List<RtNetlink.AddressEvent> events = new ArrayList<>();
                    Poller p = new Poller(monitor.fd());
                    for (int i = 0; i < 3; i++) {
                        if (p.await(100) != 0) {
                            monitor.readEvents(l -> {}, events::add);
                        }
                    }
                    return events;
                }
            });
            assertTrue(none.isEmpty(), none.toString());
        }
    }

    @Test
    void anAddressEventOverrunIsReportedAndTheSocketGoesOnWorking() throws Exception {
        try (NetnsLab lab = NetnsLab.create("ao")) {
            boolean[] result = lab.in(lab.a, () -> {
                try (RtNetlink monitor = RtNetlink.monitorLinksAndAddresses(4096)) {
                    // 400 address events nobody reads: far more than 8 KiB of buffer holds.
                    StringBuilder batch = new StringBuilder();
                    for (int i = 0; i < 200; i++) {
                        batch.append("addr add 198.18.0.").append(i % 200 + 30).append("/32 dev e0\n");
                    }
                    for (int i = 0; i < 200; i++) {
                        batch.append("addr del 198.18.0.").append(i % 200 + 30).append("/32 dev e0\n");
                    }
                    java.nio.file.Path f = java.nio.file.Files.createTempFile("burst", ".ip");
                    java.nio.file.Files.writeString(f, batch.toString());
                    NetnsLab.ip("-n", lab.a, "-b", f.toString());
                    java.nio.file.Files.delete(f);
                    boolean overran = false;
                    List<RtNetlink.AddressEvent> events = new ArrayList<>();
                    Poller p = new Poller(monitor.fd());
                    for (int i = 0; i < 1000 && p.await(100) != 0; i++) {
                        if (!monitor.readEvents(l -> {}, events::add)) {
                            overran = true;
                        }
                    }
                    events.clear();
                    NetnsLab.ip("-n", lab.a, "addr", "add", "198.18.0.29/32", "dev", "e0");
                    InetAddress last = InetAddress.getByName("198.18.0.29");
                    for (int i = 0;
                            i < 50
                                    && events.stream()
                                            .noneMatch(
                                                    e -> e.address().address().equals(last));
                            i++) {
                        if (p.await(100) != 0) {
                            monitor.readEvents(l -> {}, events::add);
                        }
                    }
                    return new boolean[] {
                        overran,
                        events.stream()
                                .anyMatch(
                                        e -> e.added() && e.address().address().equals(last))
                    };
                }
            });
            assertTrue(result[0], "the burst overran an 8 KiB buffer and readEvents said so");
            assertTrue(result[1], "address events still arrive after the overrun");
        }
    }

    @Test
    void aPrivateMacvlanIsCreatedReadUpdatedAndDeletedAsIpShowsIt() throws Exception {
        try (NetnsLab lab = NetnsLab.create("mv")) {
            byte[] mac = {0, 0, 0x5e, 0, 1, 51};
            RtNetlink.LinkDetails[] seen = lab.in(lab.a, () -> {
                try (RtNetlink nl = RtNetlink.open()) {
                    int e0 = Interfaces.index("e0");
                    assertNull(nl.linkDetails("vrrp.51"));
                    int v = nl.addMacvlan("vrrp.51", e0, mac, RtNetlink.MACVLAN_MODE_PRIVATE);
                    NativeException twice = assertThrows(
                            NativeException.class,
                            () -> nl.addMacvlan("vrrp.51", e0, mac, RtNetlink.MACVLAN_MODE_PRIVATE));
                    assertTrue(twice.getMessage().contains("File exists"), twice.getMessage());
                    nl.addrGenModeNone(v);
                    nl.setUp(v);
                    RtNetlink.LinkDetails created = nl.linkDetails("vrrp.51");
                    RtNetlink.LinkDetails base = nl.linkDetails("e0");
                    return new RtNetlink.LinkDetails[] {created, base};
                }
            });
            RtNetlink.LinkDetails v = seen[0];
            assertTrue(v.isMacvlan(), v.toString());
            assertEquals(RtNetlink.MACVLAN_MODE_PRIVATE, v.macvlanMode());
            assertEquals(seen[1].ifindex(), v.link());
            assertArrayEquals(mac, v.mac());
            assertFalse(seen[1].isMacvlan());
            String shown = NetnsLab.ip("-n", lab.a, "-d", "link", "show", "dev", "vrrp.51");
            assertTrue(shown.contains("vrrp.51@e0"), shown);
            assertTrue(shown.contains("link/ether 00:00:5e:00:01:33"), shown);
            assertTrue(shown.contains("macvlan mode private"), shown);
            assertTrue(shown.contains("addrgenmode none"), shown);
            assertTrue(shown.contains("state UP") || shown.contains(",UP"), shown);
            String addrs = NetnsLab.ip("-n", lab.a, "addr", "show", "dev", "vrrp.51");
            assertFalse(addrs.contains("inet6 fe80"), "no automatic link-local: " + addrs);
            byte[] other = {0, 0, 0x5e, 0, 2, 51};
            lab.in(lab.a, () -> {
                try (RtNetlink nl = RtNetlink.open()) {
                    nl.updateMacvlan(v.ifindex(), other, RtNetlink.MACVLAN_MODE_PRIVATE);
                    assertArrayEquals(other, nl.linkDetails("vrrp.51").mac());
                    assertTrue(nl.deleteLink(v.ifindex()));
                    assertFalse(nl.deleteLink(v.ifindex()), "second delete: not there");
                    assertNull(nl.linkDetails("vrrp.51"));
                }
                return null;
            });
        }
    }
}
