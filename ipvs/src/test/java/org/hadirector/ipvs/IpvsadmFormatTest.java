package org.hadirector.ipvs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsadmFormatTest {

    static InetAddress ip(String s) throws Exception {
        return InetAddress.getByName(s);
    }

    static TableDump seedTable() throws Exception {
        ServiceKey web = ServiceKey.of(IpProtocol.TCP, ip("198.18.0.100"), 80);
        VirtualService vs = VirtualService.of(web, "wrr");
        Stats s1 = new Stats(12, 340, 0, 45_000, 0, 1, 20, 0, 2_000, 0);
        return new TableDump(List.of(new TableDump.ServiceDump(
                vs,
                s1,
                List.of(
                        new TableDump.DestinationDump(Destination.route(ip("198.18.0.22"), 80, 1), 1, 3, 0, Stats.ZERO),
                        new TableDump.DestinationDump(Destination.route(ip("198.18.0.21"), 80, 2), 2, 6, 0, s1)))));
    }

    /** What ipvsadm 1.31 prints for the same table (its formats, sorted real servers). */
    @Test
    void plainListingMatchesIpvsadm() throws Exception {
        assertEquals("""
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                TCP  198.18.0.100:80 wrr
                  -> 198.18.0.21:80               Route   2      2          6        \s
                  -> 198.18.0.22:80               Route   1      1          3        \s
                """, IpvsadmFormat.table(seedTable(), IpvsadmFormat.Mode.PLAIN, "1.2.1", 4096));
    }

    @Test
    void statsAndRates() throws Exception {
        assertEquals("""
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes
                  -> RemoteAddress:Port
                TCP  198.18.0.100:80                    12      340        0    45000        0
                  -> 198.18.0.21:80                     12      340        0    45000        0
                  -> 198.18.0.22:80                      0        0        0        0        0
                """, IpvsadmFormat.table(seedTable(), IpvsadmFormat.Mode.STATS, "1.2.1", 4096));
        assertEquals("""
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS
                  -> RemoteAddress:Port
                TCP  198.18.0.100:80                     1       20        0     2000        0
                  -> 198.18.0.21:80                      1       20        0     2000        0
                  -> 198.18.0.22:80                      0        0        0        0        0
                """, IpvsadmFormat.table(seedTable(), IpvsadmFormat.Mode.RATE, "1.2.1", 4096));
    }

    @Test
    void persistenceMaskAndFwmark() throws Exception {
        VirtualService p = VirtualService.of(ServiceKey.of(IpProtocol.UDP, ip("198.18.0.100"), 53), "sh")
                .withPersistence(300, 24);
        p = new VirtualService(p.key(), "sh", VirtualService.F_SCHED1 | VirtualService.F_SCHED2, 300, 24, "");
        VirtualService f = VirtualService.of(ServiceKey.fwmark(false, 7), "rr");
        String out = IpvsadmFormat.table(
                new TableDump(List.of(
                        new TableDump.ServiceDump(p, Stats.ZERO, List.of()),
                        new TableDump.ServiceDump(f, Stats.ZERO, List.of()))),
                IpvsadmFormat.Mode.PLAIN,
                "1.2.1",
                4096);
        assertEquals("""
                IP Virtual Server version 1.2.1 (size=4096)
                Prot LocalAddress:Port Scheduler Flags
                  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
                UDP  198.18.0.100:53 sh (sh-fallback,sh-port) persistent 300 mask 255.255.255.0
                FWM  7 rr
                """, out);
    }

    @Test
    void largeNumbersAbbreviateAsIpvsadm() {
        assertEquals(" 99999999", IpvsadmFormat.large(99_999_999));
        assertEquals("  100000K", IpvsadmFormat.large(100_000_000));
        assertEquals("    1000M", IpvsadmFormat.large(1_000_000_000));
        assertEquals("     100G", IpvsadmFormat.large(100_000_000_000L));
    }

    @Test
    void connectionEntries() throws Exception {
        Connection c = new Connection(
                IpProtocol.TCP,
                ip("198.18.0.10"),
                40000,
                ip("198.18.0.100"),
                80,
                ip("198.18.0.21"),
                80,
                0,
                3,
                TcpState.ESTABLISHED.code(),
                899);
        assertEquals("""
                IPVS connection entries
                pro expire state       source             virtual            destination
                TCP 14:59  ESTABLISHED 198.18.0.10:40000  198.18.0.100:80    198.18.0.21:80
                """, IpvsadmFormat.connections(List.of(c)));
    }
}
