package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The identities of a service and a real server: their one text, parsed back, and equal however written. */
class ServiceIdTest {

    @Test
    void theTextIsTheOneTheLogsStatusAndMetricsShowAndParsesBack() {
        for (String s : List.of(
                "TCP 198.18.0.100:80",
                "UDP 198.18.0.100:53",
                "SCTP 198.18.0.100:3868",
                "TCP [2001:db8::100]:443",
                "TCP 198.18.0.100",
                "FWM 1",
                "FWM 4294967295")) {
            assertEquals(s, ServiceId.parse(s).toString());
        }
        for (String s : List.of("198.18.0.21:80", "[2001:db8::21]:80", "198.18.0.21", "2001:db8::21", "[::1]:8080")) {
            assertEquals(s, RealServerId.parse(s).toString());
        }
    }

    @Test
    void ipv6IsWrittenInRfc5952Form() throws Exception {
        InetAddress a = InetAddress.getByName("2001:0DB8:0:0:0:0:0:0100");
        assertEquals(
                "TCP [2001:db8::100]:80", ServiceId.of(ServiceId.TCP, a, 80).toString());
        assertEquals("[2001:db8::100]:80", new RealServerId(a, 80).toString());
        // RFC 5952 4.2.2 / 4.2.3: one zero group is not compressed; the first of two equal runs is
        assertEquals(
                "[2001:db8:0:1:1:1:1:1]:80",
                RealServerId.parse("[2001:db8:0:1:1:1:1:1]:80").toString());
        assertEquals(
                "[2001:0:0:1::1]:80",
                RealServerId.parse("[2001:0:0:1:0:0:0:1]:80").toString());
        assertEquals(
                "[2001:db8::1:0:0:1]:80",
                RealServerId.parse("[2001:db8:0:0:1:0:0:1]:80").toString());
    }

    @Test
    void differentlyWrittenAddressesAreTheSameIdentity() {
        assertEquals(ServiceId.parse("TCP [2001:db8::100]:80"), ServiceId.parse("TCP [2001:DB8:0:0:0:0:0:100]:80"));
        assertEquals(RealServerId.parse("[2001:db8::21]:80"), RealServerId.parse("[2001:0db8::0:21]:80"));
        assertEquals(
                RealServerId.parse("[2001:db8::21]:80").hashCode(),
                RealServerId.parse("[2001:0db8::0:21]:80").hashCode());
        assertNotEquals(ServiceId.parse("TCP 198.18.0.100:80"), ServiceId.parse("UDP 198.18.0.100:80"));
        assertNotEquals(RealServerId.parse("198.18.0.21:80"), RealServerId.parse("198.18.0.21"));
    }

    @Test
    void aFwmarkServiceKeepsItsFamilyButDoesNotWriteIt() {
        assertNotEquals(ServiceId.fwmark(1, false), ServiceId.fwmark(1, true));
        assertEquals("FWM 1", ServiceId.fwmark(1, true).toString());
        assertEquals(ServiceId.fwmark(1, false), ServiceId.parse("FWM 1"));
        assertEquals("FWM 4294967295", ServiceId.fwmark(-1, false).toString(), "marks are unsigned");
    }

    @Test
    void onlyLiteralsParseNeverNames() {
        for (String s : List.of(
                "",
                "localhost:80",
                "198.18.0.21:0",
                "198.18.0.21:65536",
                "198.18.0.21:",
                "198.18.0:80",
                "2001:db8::21:80:x",
                "[198.18.0.21]:80",
                "[2001:db8::21]",
                "256.0.0.1:80")) {
            assertNull(RealServerId.tryParse(s), s);
        }
        for (String s :
                List.of("TCP", "ICMP 198.18.0.100:80", "tcp 198.18.0.100:80", "FWM 0", "FWM x", "TCP host:80")) {
            assertThrows(IllegalArgumentException.class, () -> ServiceId.parse(s), s);
        }
    }
}
