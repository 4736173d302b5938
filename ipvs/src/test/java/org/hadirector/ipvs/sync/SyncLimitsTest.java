package org.hadirector.ipvs.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SyncLimitsTest {
    static final long MB = 1024 * 1024;

    @Test
    void defaultsFollowTheHeap() {
        SyncLimits l = SyncLimits.fromHeap(512 * MB);
        assertEquals(512 * MB / 4 / SyncLimits.ENTRY_BYTES, l.maxEntries(), "a quarter of the heap in entries");
        assertEquals(32_768, l.maxPending());
        SyncLimits small = SyncLimits.fromHeap(96 * MB);
        assertEquals(96 * MB / 32 / SyncLimits.PENDING_BYTES, small.maxPending(), "1/32 of a small heap");
        assertEquals(1024, SyncLimits.fromHeap(MB).maxPending(), "never below 1,024");
        assertTrue(SyncLimits.fromHeap(Long.MAX_VALUE).maxEntries() == Integer.MAX_VALUE);
    }

    @Test
    void propertiesOverrideAndBadOnesAreErrors() {
        try {
            System.setProperty(SyncLimits.MAX_ENTRIES, "1000");
            System.setProperty(SyncLimits.MAX_PENDING, " 50 ");
            assertEquals(new SyncLimits(1000, 50), SyncLimits.configured());
            System.setProperty(SyncLimits.MAX_ENTRIES, "many");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, SyncLimits::configured);
            assertEquals("hadirector.sync.max_entries=many is not a number", e.getMessage());
            System.setProperty(SyncLimits.MAX_ENTRIES, "10");
            System.setProperty(SyncLimits.MAX_PENDING, "0");
            assertThrows(IllegalArgumentException.class, SyncLimits::configured);
        } finally {
            System.clearProperty(SyncLimits.MAX_ENTRIES);
            System.clearProperty(SyncLimits.MAX_PENDING);
        }
    }
}
