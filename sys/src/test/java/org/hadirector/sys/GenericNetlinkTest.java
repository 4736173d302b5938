package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The controller itself answers family lookups on any Linux; IPVS's answer depends on the kernel. */
class GenericNetlinkTest {
    @Test
    void looksUpFamiliesThroughTheController() throws Exception {
        try (GenericNetlink g = GenericNetlink.open()) {
            assertEquals(0x10, g.familyId("nlctrl"));
            assertEquals(-1, g.familyId("no-such-family"));
            int ipvs = g.familyId("IPVS");
            assertEquals(Files.exists(Path.of("/proc/net/ip_vs")), ipvs > 0, "IPVS family id " + ipvs);
            assertTrue(g.familyId("IPVS") == ipvs, "stable");
        }
    }
}
