package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;

/** The lines keepalived 2.2.7 writes to its notify FIFOs, to the byte. */
class NotifyLinesTest {
    private static final ServiceId WEB = ServiceId.of(ServiceId.TCP, Addresses.parse("198.18.0.100"), 80);
    private static final RealServerId RS1 = new RealServerId(Addresses.parse("198.18.0.21"), 80);

    @Test
    void instanceAndGroupLines() {
        assertEquals("INSTANCE \"VI_1\" MASTER 100\n", NotifyLines.instance("VI_1", VrrpState.MASTER, 100));
        assertEquals("INSTANCE \"VI_1\" BACKUP 90\n", NotifyLines.instance("VI_1", VrrpState.BACKUP, 90));
        assertEquals("INSTANCE \"VI_1\" FAULT 100\n", NotifyLines.instance("VI_1", VrrpState.FAULT, 100));
        assertEquals("INSTANCE \"VI_1\" STOP 100\n", NotifyLines.instance("VI_1", VrrpState.STOP, 100));
        assertEquals("GROUP \"G\" BACKUP 0\n", NotifyLines.group("G", VrrpState.BACKUP));
        assertEquals("GROUP \"G\" MASTER 0\n", NotifyLines.group("G", VrrpState.MASTER));
    }

    @Test
    void instanceEvents() {
        assertEquals("INSTANCE \"VI_1\" MASTER_RX_LOWER_PRI 100\n", NotifyLines.masterRxLowerPri("VI_1", 100));
        assertEquals("INSTANCE \"VI_1\" MASTER_PRIORITY 90\n", NotifyLines.priority("VI_1", true, 90));
        assertEquals("INSTANCE \"VI_1\" BACKUP_PRIORITY 80\n", NotifyLines.priority("VI_1", false, 80));
    }

    @Test
    void virtualServerLines() {
        assertEquals("VS [198.18.0.100]:tcp:80 UP\n", NotifyLines.virtualServer(WEB, true));
        assertEquals("VS [198.18.0.100]:tcp:80 DOWN\n", NotifyLines.virtualServer(WEB, false));
        assertEquals("VS FWM 1 UP\n", NotifyLines.virtualServer(ServiceId.fwmark(1, false), true));
        assertEquals("VS FWM 4294967295 DOWN\n", NotifyLines.virtualServer(ServiceId.fwmark(-1, false), false));
        assertEquals(
                "VS [2001:db8::100]:udp:53 UP\n",
                NotifyLines.virtualServer(ServiceId.of(ServiceId.UDP, Addresses.parse("2001:db8:0:0::100"), 53), true));
        assertEquals(
                "VS [198.18.0.100]:sctp:9 UP\n",
                NotifyLines.virtualServer(ServiceId.of(ServiceId.SCTP, Addresses.parse("198.18.0.100"), 9), true));
    }

    @Test
    void realServerLines() {
        assertEquals(
                "RS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 DOWN\n",
                NotifyLines.realServer(WEB, ServiceId.TCP, RS1, false));
        assertEquals(
                "RS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 UP\n",
                NotifyLines.realServer(WEB, ServiceId.TCP, RS1, true));
        // A fwmark service: the real server has no port of its own, and the protocol is the
        // virtual server's `protocol`, "none" without one, as keepalived writes service_type 0.
        RealServerId bare = new RealServerId(Addresses.parse("198.18.0.22"), 0);
        assertEquals(
                "RS [198.18.0.22]:none:0 FWM 7 UP\n",
                NotifyLines.realServer(ServiceId.fwmark(7, false), 0, bare, true));
        assertEquals(
                "RS [198.18.0.22]:tcp:0 FWM 7 DOWN\n",
                NotifyLines.realServer(ServiceId.fwmark(7, false), ServiceId.TCP, bare, false));
        assertEquals(
                "RS [2001:db8::21]:tcp:8080 [2001:db8::100]:tcp:80 UP\n",
                NotifyLines.realServer(
                        ServiceId.of(ServiceId.TCP, Addresses.parse("2001:db8::100"), 80),
                        ServiceId.TCP,
                        new RealServerId(Addresses.parse("2001:0db8::21"), 8080),
                        true));
    }
}
