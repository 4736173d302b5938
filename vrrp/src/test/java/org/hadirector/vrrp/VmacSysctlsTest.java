package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sysctls of a VMAC and its base, set and put back as keepalived does, on a copy of /proc/sys/net. */
class VmacSysctlsTest {
    @TempDir
    Path net;

    private void conf(String family, String ifname, String key, String value) throws IOException {
        Path d = net.resolve(family).resolve("conf").resolve(ifname);
        Files.createDirectories(d);
        Files.writeString(d.resolve(key), value + "\n");
    }

    private String get(String family, String ifname, String key) throws IOException {
        return Files.readString(
                        net.resolve(family).resolve("conf").resolve(ifname).resolve(key))
                .strip();
    }

    private void host(int all, int def) throws IOException {
        conf("ipv4", "all", "rp_filter", Integer.toString(all));
        conf("ipv4", "default", "rp_filter", Integer.toString(def));
        conf("ipv4", "lo", "rp_filter", "0");
        conf("ipv4", "e0", "rp_filter", "2");
        conf("ipv4", "e0", "arp_ignore", "0");
        conf("ipv4", "e0", "arp_filter", "0");
        conf("ipv4", "e1", "rp_filter", "1");
        for (String v : new String[] {"vrrp.51", "vrrp.52"}) {
            for (String k : new String[] {"arp_ignore", "accept_local", "rp_filter", "promote_secondaries"}) {
                conf("ipv4", v, k, "0");
            }
            conf("ipv6", v, "disable_ipv6", "0");
        }
    }

    @Test
    void anIpv4VmacGetsKeepalivedsSettingsAndTheBaseIsPutBackAfterItsLastVmac() throws IOException {
        host(1, 0);
        VmacSysctls a = new VmacSysctls(net, "VI_1");
        VmacSysctls b = new VmacSysctls(net, "VI_2");
        a.set("vrrp.51", "e0", false, false);
        a.set("vrrp.51", "e0", false, false); // a restart: idempotent
        b.set("vrrp.52", "e0", false, false);
        assertEquals("1", get("ipv4", "vrrp.51", "arp_ignore"));
        assertEquals("1", get("ipv4", "vrrp.51", "accept_local"));
        assertEquals("0", get("ipv4", "vrrp.51", "rp_filter"));
        assertEquals("1", get("ipv4", "vrrp.51", "promote_secondaries"));
        assertEquals("1", get("ipv6", "vrrp.51", "disable_ipv6"));
        assertEquals("1", get("ipv4", "e0", "arp_ignore"));
        assertEquals("1", get("ipv4", "e0", "arp_filter"));
        // all.rp_filter 1 -> 0, with default and lo raised to 1 first; e0 (2) and e1 (1) unchanged
        assertEquals("0", get("ipv4", "all", "rp_filter"));
        assertEquals("1", get("ipv4", "default", "rp_filter"));
        assertEquals("1", get("ipv4", "lo", "rp_filter"));
        assertEquals("2", get("ipv4", "e0", "rp_filter"));
        assertEquals("1", get("ipv4", "e1", "rp_filter"));
        a.restore();
        assertEquals("1", get("ipv4", "e0", "arp_ignore"), "VI_2's VMAC is still on e0");
        assertEquals("0", get("ipv4", "all", "rp_filter"));
        b.restore();
        assertEquals("0", get("ipv4", "e0", "arp_ignore"));
        assertEquals("0", get("ipv4", "e0", "arp_filter"));
        assertEquals("1", get("ipv4", "all", "rp_filter"));
        assertEquals("0", get("ipv4", "default", "rp_filter"));
        assertEquals("0", get("ipv4", "lo", "rp_filter"));
        b.restore(); // twice: nothing more
        assertEquals("1", get("ipv4", "all", "rp_filter"));
    }

    @Test
    void aReCreatedBaseInterfaceGetsItsArpSettingsAgain() throws IOException {
        host(0, 0);
        VmacSysctls a = new VmacSysctls(net, "VI_1");
        a.set("vrrp.51", "e0", false, false);
        assertEquals("1", get("ipv4", "e0", "arp_ignore"));
        conf("ipv4", "e0", "arp_ignore", "0"); // e0 deleted and made again: the kernel's defaults
        conf("ipv4", "e0", "arp_filter", "0");
        a.set("vrrp.51", "e0", false, false); // the instance's restart
        assertEquals("1", get("ipv4", "e0", "arp_ignore"));
        assertEquals("1", get("ipv4", "e0", "arp_filter"));
        a.restore();
        assertEquals("0", get("ipv4", "e0", "arp_ignore"));
    }

    @Test
    void whatSomeoneElseChangedSinceIsLeftAlone() throws IOException {
        host(2, 2);
        VmacSysctls a = new VmacSysctls(net, "VI_1");
        a.set("vrrp.51", "e0", false, false);
        assertEquals("2", get("ipv4", "e1", "rp_filter"));
        conf("ipv4", "e1", "rp_filter", "1"); // the operator
        a.restore();
        assertEquals("2", get("ipv4", "all", "rp_filter"));
        assertEquals("1", get("ipv4", "e1", "rp_filter"));
        assertEquals("0", get("ipv4", "lo", "rp_filter"));
    }

    @Test
    void anIpv6VmacOnlyTurnsIpv6OnAndAnIpv4OneKeepsItForExcludedIpv6Vips() throws IOException {
        host(0, 0);
        conf("ipv6", "vrrp.51", "disable_ipv6", "1");
        VmacSysctls a = new VmacSysctls(net, "VI_1");
        a.set("vrrp.51", "e0", true, false);
        assertEquals("0", get("ipv6", "vrrp.51", "disable_ipv6"));
        assertEquals("0", get("ipv4", "vrrp.51", "arp_ignore"), "nothing of IPv4");
        assertEquals("0", get("ipv4", "e0", "arp_ignore"));
        a.restore();
        VmacSysctls b = new VmacSysctls(net, "VI_2");
        b.set("vrrp.52", "e0", false, true);
        assertEquals("0", get("ipv6", "vrrp.52", "disable_ipv6"));
        assertEquals("0", get("ipv4", "all", "rp_filter"), "0 already: left");
        b.restore();
    }
}
