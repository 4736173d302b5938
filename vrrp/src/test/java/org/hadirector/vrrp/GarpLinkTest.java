package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NOARP from sysfs flags (a copy of /sys/class/net in a directory), as keepalived checks IFF_NOARP. */
class GarpLinkTest {
    @TempDir
    Path net;

    private void flags(String ifname, String text) throws Exception {
        Files.createDirectories(net.resolve(ifname));
        Files.writeString(net.resolve(ifname).resolve("flags"), text);
    }

    @Test
    void noArpIsTheFlagAndUnreadableFlagsMeanArpOn() throws Exception {
        flags("e0", "0x1003\n");
        flags("e1", "0x1083\n");
        flags("e2", "garbage\n");
        assertFalse(GarpLink.noArp(net, "e0"));
        assertTrue(GarpLink.noArp(net, "e1"));
        assertFalse(GarpLink.noArp(net, "e2"));
        assertFalse(GarpLink.noArp(net, "missing"));
    }
}
