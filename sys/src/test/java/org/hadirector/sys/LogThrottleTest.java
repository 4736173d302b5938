package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogThrottleTest {
    static final long S = 1_000_000_000L;

    @Test
    void oneLinePerIntervalAndTheCountHeldBack() {
        LogThrottle t = new LogThrottle(10 * S);
        long t0 = -5 * S; // any nanoTime, negative ones included
        assertTrue(t.allow(t0));
        assertEquals(0, t.takeHeld());
        for (int i = 1; i <= 1000; i++) {
            assertFalse(t.allow(t0 + i * 1_000_000L));
        }
        assertFalse(t.allow(t0 + 10 * S - 1));
        assertTrue(t.allow(t0 + 10 * S));
        assertEquals(1001, t.takeHeld());
        assertEquals(0, t.takeHeld());
        assertTrue(t.allow(t0 + 100 * S), "after a quiet spell the next line goes out at once");
        assertThrows(IllegalArgumentException.class, () -> new LogThrottle(0));
    }
}
