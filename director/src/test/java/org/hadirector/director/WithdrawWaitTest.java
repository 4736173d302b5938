package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WithdrawWaitTest {
    static final long S = 1_000_000_000L;

    static String status(String exports, long forwarded) {
        return "announce: hd-announce: 198.18.0.100 withdrawn\n"
                + "bird: /run/bird/bird.ctl read 0.4 s ago\n"
                + "  uplink  Established  exports " + exports + "\n"
                + "  uplink2  start  Active  Socket: Connection refused\n"
                + "forwarder: " + forwarded + " frames forwarded, 3 connections; dropped: none; ring drops 0\n";
    }

    @Test
    void movedOnceBirdExportsNoneAndTheFramesHaveStoppedForASecond() {
        WithdrawWait w = new WithdrawWait();
        assertFalse(w.add(WithdrawWait.read(status("198.18.0.100/32", 1000), 0)));
        assertFalse(w.add(WithdrawWait.read(status("nothing", 1500), S / 2)), "the rate is not known yet");
        assertFalse(w.add(WithdrawWait.read(status("nothing", 2000), S)), "1,000 frames/s still come in");
        assertEquals(1000, w.framesPerSecond());
        assertFalse(w.add(WithdrawWait.read(status("nothing", 2004), 3 * S / 2)));
        assertTrue(w.add(WithdrawWait.read(status("nothing", 2006), 2 * S)));
        assertTrue(w.framesPerSecond() <= WithdrawWait.QUIET_FRAMES_PER_SECOND);
        assertTrue(w.describe().startsWith("BIRD exports none of the VIPs; frames forwarded "), w.describe());
    }

    @Test
    void aBirdThatCannotBeReadNeverCountsAsWithdrawn() {
        WithdrawWait w = new WithdrawWait();
        String s = "bird: /run/bird/bird.ctl read 9.0 s ago; failed: no connection\n";
        assertFalse(w.add(WithdrawWait.read(s, 0)));
        assertFalse(w.add(WithdrawWait.read(s, 5 * S)));
        assertTrue(w.describe().contains("BIRD cannot be read (no connection)"), w.describe());
    }

    @Test
    void withKernelIpvsBirdAloneDecides() {
        WithdrawWait w = new WithdrawWait();
        String s = "bird: /run/bird/bird.ctl read 0.1 s ago\n  uplink  Established  exports nothing\n";
        assertTrue(w.add(WithdrawWait.read(s, 0)));
    }
}
