package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The proc connector's messages as the kernel lays them out, and a real subscription. */
class ProcEventsTest {

    /** A message as drivers/connector/cn_proc.c sends it: nlmsghdr, cn_msg, proc_event (what, cpu, timestamp, data). */
    private static byte[] message(int what, int... data) {
        ByteBuffer b = ByteBuffer.allocate(76).order(ByteOrder.nativeOrder());
        b.putInt(76).putShort((short) 3).putShort((short) 0).putInt(0).putInt(0);
        b.putInt(1).putInt(1).putInt(7).putInt(0).putShort((short) 40).putShort((short) 0);
        b.putInt(what).putInt(0).putLong(123456789L);
        for (int d : data) {
            b.putInt(d);
        }
        return b.array();
    }

    @Test
    void forkExecCommAndExitOfProcessesAreRead() {
        assertEquals(
                new ProcEvents.Event(ProcEvents.Kind.FORK, 101, 100, null),
                ProcEvents.parse(message(ProcEvents.PROC_EVENT_FORK, 100, 100, 101, 101), 76));
        assertEquals(
                new ProcEvents.Event(ProcEvents.Kind.EXEC, 200, 0, null),
                ProcEvents.parse(message(ProcEvents.PROC_EVENT_EXEC, 200, 200), 76));
        assertEquals(
                new ProcEvents.Event(ProcEvents.Kind.EXIT, 300, 0, null),
                ProcEvents.parse(message(ProcEvents.PROC_EVENT_EXIT, 300, 300, 0, 17), 76));
        byte[] comm = message(ProcEvents.PROC_EVENT_COMM, 400, 400);
        byte[] name = "nginx-worker".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, comm, ProcEvents.DATA + 8, name.length);
        assertEquals(new ProcEvents.Event(ProcEvents.Kind.COMM, 400, 0, "nginx-worker"), ProcEvents.parse(comm, 76));
    }

    @Test
    void threadsAcknowledgementsAndOtherEventsAreLeftOut() {
        assertNull(ProcEvents.parse(message(ProcEvents.PROC_EVENT_FORK, 100, 100, 102, 100), 76), "a new thread");
        assertNull(ProcEvents.parse(message(ProcEvents.PROC_EVENT_EXIT, 301, 300), 76), "a thread's exit");
        assertNull(ProcEvents.parse(message(ProcEvents.PROC_EVENT_NONE, 0), 76), "the subscription's ack");
        assertNull(ProcEvents.parse(message(0x4 /* UID */, 1, 1, 0, 0), 76));
    }

    @Test
    void shortAndForeignMessagesAreMalformedNeverAnException() {
        byte[] m = message(ProcEvents.PROC_EVENT_EXEC, 200, 200);
        assertSame(ProcEvents.MALFORMED, ProcEvents.parse(m, 40));
        byte[] wrongIdx = m.clone();
        wrongIdx[16] = 9;
        assertSame(ProcEvents.MALFORMED, ProcEvents.parse(wrongIdx, 76));
        byte[] longer = m.clone();
        ByteBuffer.wrap(longer).order(ByteOrder.nativeOrder()).putInt(0, 500);
        assertSame(ProcEvents.MALFORMED, ProcEvents.parse(longer, 76), "nlmsg_len past the datagram");
        byte[] payload = m.clone();
        ByteBuffer.wrap(payload).order(ByteOrder.nativeOrder()).putShort(32, (short) 200);
        assertSame(ProcEvents.MALFORMED, ProcEvents.parse(payload, 76), "cn_msg len past the message");
        Random r = new Random(15);
        for (int i = 0; i < 50_000; i++) {
            byte[] b = m.clone();
            int n = r.nextInt(77);
            for (int k = 0; k < 1 + r.nextInt(6); k++) {
                b[r.nextInt(76)] = (byte) r.nextInt(256);
            }
            ProcEvents.parse(b, n); // any answer, no exception
        }
    }

    @Test
    void theSubscriptionMessageIsTheKernels() {
        ByteBuffer b = ByteBuffer.wrap(ProcEvents.listenMessage(ProcEvents.PROC_CN_MCAST_LISTEN))
                .order(ByteOrder.nativeOrder());
        assertEquals(40, b.getInt(0));
        assertEquals(3, b.getShort(4), "NLMSG_DONE");
        assertEquals(1, b.getInt(16), "CN_IDX_PROC");
        assertEquals(1, b.getInt(20), "CN_VAL_PROC");
        assertEquals(4, b.getShort(32));
        assertEquals(1, b.getInt(36), "PROC_CN_MCAST_LISTEN");
    }

    @Test
    void aRealProcessIsSeenToExecAndExit() throws Exception {
        assumeTrue(Native.C.geteuid() == 0, "needs root (CAP_NET_ADMIN) for the proc connector");
        try (ProcEvents ev = ProcEvents.open(null, 0)) {
            Process p = new ProcessBuilder("/bin/sleep", "0.2").start();
            int pid = (int) p.pid();
            List<ProcEvents.Event> seen = new ArrayList<>();
            Poller poller = new Poller(ev.fd());
            long end = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end
                    && seen.stream().noneMatch(e -> e.pid() == pid && e.kind() == ProcEvents.Kind.EXIT)) {
                if (poller.await(200) != 0) {
                    ev.readEvents(e -> {
                        if (e.pid() == pid) {
                            seen.add(e);
                        }
                    });
                }
            }
            p.waitFor();
            assertTrue(seen.stream().anyMatch(e -> e.kind() == ProcEvents.Kind.FORK), seen.toString());
            assertTrue(seen.stream().anyMatch(e -> e.kind() == ProcEvents.Kind.EXEC), seen.toString());
            assertTrue(seen.stream().anyMatch(e -> e.kind() == ProcEvents.Kind.EXIT), seen.toString());
        }
    }

    @Test
    void insideANamespaceTheSocketIsMadeInTheInitialOne() throws Exception {
        NetnsLab.requireRoot();
        // this JVM's main thread stays in the namespace it started in (the initial one here)
        java.nio.file.Path initial =
                java.nio.file.Path.of("/proc/" + ProcessHandle.current().pid() + "/ns/net");
        try (NetnsLab lab = NetnsLab.create("pe")) {
            NativeException refused = lab.in(lab.a, () -> {
                try (ProcEvents ev = ProcEvents.open(null, 0)) {
                    return null;
                } catch (NativeException e) {
                    return e;
                }
            });
            assertEquals(111, refused.errno(), "the kernel refuses a subscription from another namespace");
            Integer pid = lab.in(lab.a, () -> {
                try (ProcEvents ev = ProcEvents.open(initial, 0)) {
                    Process p = new ProcessBuilder("/bin/true").start();
                    int want = (int) p.pid();
                    Poller poller = new Poller(ev.fd());
                    long end = System.nanoTime() + 5_000_000_000L;
                    int[] got = {0};
                    while (System.nanoTime() < end && got[0] == 0) {
                        if (poller.await(200) != 0) {
                            ev.readEvents(e -> {
                                if (e.pid() == want && e.kind() == ProcEvents.Kind.EXIT) {
                                    got[0] = want;
                                }
                            });
                        }
                    }
                    p.waitFor();
                    return got[0];
                }
            });
            assertTrue(pid > 0, "events received from inside the namespace");
        }
    }

    @Test
    void anOverrunIsReportedAndTheSocketGoesOn() throws Exception {
        assumeTrue(Native.C.geteuid() == 0, "needs root (CAP_NET_ADMIN) for the proc connector");
        try (ProcEvents ev = ProcEvents.open(null, 1024)) {
            // not read meanwhile: a few hundred events overflow the smallest buffer the kernel allows
            for (int i = 0; i < 100; i++) {
                new ProcessBuilder("/bin/true").start().waitFor();
            }
            boolean overran = false;
            for (int i = 0; i < 100 && !overran; i++) {
                overran = !ev.readEvents(e -> {});
            }
            assertTrue(overran, "ENOBUFS reported");
            // as the monitor does: a bigger buffer, so that this busy host's own events fit again
            ev.receiveBuffer(1 << 20);
            for (int i = 0; i < 100; i++) {
                ev.readEvents(e -> {});
            }
            Process p = new ProcessBuilder("/bin/true").start();
            int pid = (int) p.pid();
            p.waitFor();
            boolean[] seen = {false};
            Poller poller = new Poller(ev.fd());
            long end = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < end && !seen[0]) {
                if (poller.await(200) != 0) {
                    ev.readEvents(e -> seen[0] |= e.pid() == pid && e.kind() == ProcEvents.Kind.EXIT);
                }
            }
            assertTrue(seen[0], "events after the overrun");
        }
    }
}
