package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A configured source address (unicast_src_ip / mcast_src_ip) that is not on the host at start,
 * without track_src_ip, hadirector and keepalived 2.2.7 side by side: director1 (198.18.0.13)
 * runs three instances and no peer answers. VI_U's unicast_src_ip 198.18.0.11 is missing: that
 * instance is in FAULT (keepalived: its unicast socket cannot bind to it), while VI_M, whose
 * mcast_src_ip 198.18.0.21 is missing too, and VI_OK, without a source, become master as usual.
 * The address added, hadirector's VI_U leaves FAULT and becomes master; keepalived's stays in
 * FAULT until a reload (SIGHUP) opens its socket again.
 */
class SourceMissingAtStartLabTest {
    static final String CONF_HEAD = """
            global_defs {
                router_id %s
            }
            vrrp_instance VI_OK {
                state BACKUP
                interface e0
                virtual_router_id 63
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.102/32
                }
            }
            """;
    static final String CONF_MISSING = """
            vrrp_instance VI_U {
                state BACKUP
                interface e0
                virtual_router_id 61
                priority 150
                advert_int 1
                unicast_src_ip 198.18.0.11
                unicast_peer {
                    198.18.0.12
                }
                virtual_ipaddress {
                    198.18.0.100/32
                }
            }
            vrrp_instance VI_M {
                state BACKUP
                interface e0
                virtual_router_id 62
                priority 150
                advert_int 1
                mcast_src_ip 198.18.0.21
                virtual_ipaddress {
                    198.18.0.101/32
                }
            }
            """;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void aUnicastInstanceWithoutItsSourceIsInFaultAndTheOthersRun(String who) throws Exception {
        Lab.requireRoot();
        try (Lab lab = Lab.create(
                "sm" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.13", "director2=198.18.0.12")) {
            VrrpDaemon d =
                    lab.vrrpDaemon(who, "director1", lab.write("d1.conf", CONF_HEAD.formatted(who) + CONF_MISSING));
            d.awaitLog(
                    who.equals("hadirector")
                            ? "VI_U: INIT -> FAULT"
                            : "(VI_U): entering FAULT state (src address not configured)",
                    20_000);
            long others = Math.max(d.awaitAddress("198.18.0.102", 20_000), d.awaitAddress("198.18.0.101", 20_000));
            System.out.println(who + ": VI_OK and VI_M (mcast_src_ip missing) master " + others + " ms after");
            if (who.equals("hadirector")) {
                assertTrue(d.logShows("unicast_src_ip 198.18.0.11 is not on this host: FAULT until it is"), d.log());
                assertTrue(d.logShows("mcast_src_ip 198.18.0.21 is not on this host"), d.log());
            }
            // VI_M sends from its missing mcast_src_ip; VI_U, in FAULT, sends nothing (and, out of
            // FAULT, would be master after Master_Down_Interval, 3.4 s)
            java.util.List<String> adverts = adverts(lab);
            assertTrue(adverts.contains("198.18.0.21 62"), adverts + "\n" + d.log());
            assertFalse(adverts.stream().anyMatch(a -> a.endsWith(" 61")), adverts + "\n" + d.log());
            assertFalse(lab.hasAddress("director1", "198.18.0.100"), d.log());
            assertTrue(d.process().isAlive(), d.log());

            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.11/24", "dev", "e0");
            if (who.equals("keepalived")) {
                // keepalived 2.2.7 opens the socket again only when the interface is re-created
                Thread.sleep(6000);
                assertFalse(lab.hasAddress("director1", "198.18.0.100"), d.log());
                d.reload();
                long back = d.awaitAddress("198.18.0.100", 20_000);
                System.out.println(who + ": source added -> still FAULT; after SIGHUP master in " + back + " ms");
            } else {
                long back = d.awaitAddress("198.18.0.100", 20_000);
                assertTrue(d.logShows("VI_U: FAULT -> BACKUP"), d.log());
                System.out.println(who + ": source added -> VI_U master in " + back + " ms");
            }
            // the other two never left MASTER
            assertTrue(lab.hasAddress("director1", "198.18.0.101"), d.log());
            assertTrue(lab.hasAddress("director1", "198.18.0.102"), d.log());
            if (who.equals("hadirector")) {
                assertFalse(d.log().contains("VI_OK: MASTER ->"), d.log());
                assertFalse(d.log().contains("VI_M: MASTER ->"), d.log());
            }
            // Without track_src_ip the source's removal is no fault: the master stays, its adverts
            // still leave from the removed address (keepalived writes their IP header itself)
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "del", "198.18.0.11/24", "dev", "e0");
            adverts = adverts(lab);
            assertTrue(adverts.contains("198.18.0.11 61"), adverts + "\n" + d.log());
            assertTrue(lab.hasAddress("director1", "198.18.0.100"), d.log());
        }
    }

    /** "SOURCE VRID" of the VRRP adverts director2 receives in 4 s (tshark). */
    static java.util.List<String> adverts(Lab lab) throws Exception {
        Lab.requireTools(java.nio.file.Path.of("/usr/bin/tshark"));
        String out = Lab.run(
                "ip",
                "netns",
                "exec",
                lab.ns("director2"),
                "tshark",
                "-n",
                "-i",
                "e0",
                "-a",
                "duration:4",
                "-f",
                "ip proto 112",
                "-T",
                "fields",
                "-e",
                "ip.src",
                "-e",
                "vrrp.virt_rtr_id");
        return out.lines()
                .map(l -> l.split("\t"))
                .filter(f -> f.length == 2)
                .map(f -> f[0] + " " + f[1])
                .distinct()
                .toList();
    }

    static final String CONF6 = """
            vrrp_instance VI_6 {
                state BACKUP
                interface e0
                virtual_router_id 64
                priority 150
                advert_int 1
                unicast_src_ip 2001:db8::11
                unicast_peer {
                    2001:db8::12
                }
                virtual_ipaddress {
                    2001:db8::100/64 -nodad
                }
            }
            """;

    /** The same over IPv6: the unicast instance in FAULT, the IPv4 one unaffected, then the address added. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"hadirector", "keepalived"})
    void anIpv6UnicastSourceMissingAtStart(String who) throws Exception {
        Lab.requireRoot();
        try (Lab lab = Lab.create(
                "s6" + who.charAt(0), "client=198.18.0.10", "director1=198.18.0.13", "director2=198.18.0.12")) {
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "2001:db8::13/64", "dev", "e0", "nodad");
            VrrpDaemon d = lab.vrrpDaemon(who, "director1", lab.write("d1.conf", CONF_HEAD.formatted(who) + CONF6));
            d.awaitLog(
                    who.equals("hadirector")
                            ? "VI_6: INIT -> FAULT"
                            : "(VI_6): entering FAULT state (src address not configured)",
                    20_000);
            d.awaitAddress("198.18.0.102", 20_000);
            Thread.sleep(5000);
            assertFalse(lab.hasAddress6("director1", "2001:db8::100"), d.log());
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "2001:db8::11/64", "dev", "e0", "nodad");
            if (who.equals("keepalived")) {
                Thread.sleep(6000);
                assertFalse(lab.hasAddress6("director1", "2001:db8::100"), d.log());
                System.out.println(who + ": IPv6 source added -> still FAULT");
            } else {
                long back = Lab.waitFor(20_000, Lab.quietly(() -> lab.hasAddress6("director1", "2001:db8::100")));
                assertTrue(back >= 0, d.log());
                System.out.println(who + ": IPv6 source added -> VI_6 master in " + back + " ms");
            }
            assertTrue(lab.hasAddress("director1", "198.18.0.102"), d.log());
        }
    }

    /** A reload that adds such an instance: it is in FAULT, the reload is done, the running instance stays master. */
    @Test
    void aReloadAddingAnInstanceWithoutItsSourceIsDoneAndThatInstanceIsInFault() throws Exception {
        Lab.requireRoot();
        try (Lab lab = Lab.create("smr", "client=198.18.0.10", "director1=198.18.0.13", "director2=198.18.0.12")) {
            java.nio.file.Path conf = lab.write("d1.conf", CONF_HEAD.formatted("d1"));
            VrrpDaemon d = lab.vrrpDaemon("hadirector", "director1", conf);
            d.awaitAddress("198.18.0.102", 20_000);
            lab.write("d1.conf", CONF_HEAD.formatted("d1") + CONF_MISSING);
            d.reload();
            d.awaitLog("reload done", 30_000);
            d.awaitLog("VI_U: INIT -> FAULT", 20_000);
            d.awaitAddress("198.18.0.101", 20_000);
            assertTrue(lab.hasAddress("director1", "198.18.0.102"), d.log());
            assertFalse(d.log().contains("VI_OK: MASTER ->"), d.log());
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.11/24", "dev", "e0");
            d.awaitAddress("198.18.0.100", 20_000);
        }
    }
}
