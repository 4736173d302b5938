package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The parts registry and how status shows it: a part that is down is listed, never left out. */
class PartsTest {

    @Test
    void aPartThatGoesDownIsCountedAndShownWithItsReason() {
        Parts parts = new Parts();
        parts.add("dataplane");
        parts.add("vrrp VI_1");
        assertEquals(List.of(), parts.down());
        parts.report("dataplane", "link e0 is down");
        parts.report("dataplane", "link e0 is down");
        assertEquals(List.of("dataplane: link e0 is down"), parts.down());
        parts.report("dataplane", null);
        parts.report("dataplane", "interface e0 is gone");
        Parts.Part p = parts.all().stream()
                .filter(x -> x.name().equals("dataplane"))
                .findFirst()
                .orElseThrow();
        assertFalse(p.up());
        assertEquals(2, p.failures(), "two separate outages, however often each was reported");
        parts.report("dataplane", null);
        assertTrue(parts.down().isEmpty());
    }

    @Test
    void aProbedPartIsAskedWhenListed() {
        Parts parts = new Parts();
        AtomicBoolean listening = new AtomicBoolean(true);
        parts.probe("control", listening::get);
        assertTrue(parts.down().isEmpty());
        listening.set(false);
        parts.all();
        assertEquals(List.of("control: no longer listens"), parts.down());
        listening.set(true);
        parts.all();
        assertTrue(parts.down().isEmpty());
    }

    @Test
    void statusNamesEveryPartAndTheOnesThatAreDown() {
        List<Parts.Part> up =
                List.of(new Parts.Part("checks", true, null, 0), new Parts.Part("dataplane", true, null, 0));
        String text = StatusReport.text(List.of(), null, null, up);
        assertTrue(text.contains("parts: all 2 up (checks, dataplane)"), text);
        List<Parts.Part> down = List.of(
                new Parts.Part("checks", true, null, 0), new Parts.Part("dataplane", false, "link e0 is down", 1));
        text = StatusReport.text(List.of(), null, null, down);
        assertTrue(
                text.contains("\n" + StatusReport.PARTS_DOWN + "dataplane: link e0 is down")
                        || text.startsWith(StatusReport.PARTS_DOWN + "dataplane: link e0 is down"),
                text);
        String json = StatusReport.json(List.of(), null, null, down);
        assertTrue(json.contains("dataplane: link e0 is down"), json);
        assertTrue(StatusReport.jsonHasPartsDown(json), json);
        String allUp = StatusReport.json(List.of(), null, null, up);
        assertFalse(StatusReport.jsonHasPartsDown(allUp), allUp);
    }
}
