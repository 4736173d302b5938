package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FILE_CHECK through the running service: a real file written, replaced, emptied and removed. */
class FileCheckTest {
    private static final long S = 1_000_000_000L;
    private static final ServiceId SERVICE = ServiceId.parse("TCP 198.18.0.100:80");
    private static final RealServerId SERVER = RealServerId.parse("198.18.0.21:80");
    private final EventLoop loop = new DefaultEventLoop();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ServiceSpec pool(Path file, int weight, boolean reverse) {
        CheckSpec c = new CheckSpec(
                new CheckSettings.File("tf", file, weight, reverse), new CheckTiming(S, 0, 0, S, 0, false, false));
        return new ServiceSpec(
                SERVICE,
                0,
                0,
                null,
                false,
                null,
                null,
                List.of(new RealServerSpec(SERVER, 10, false, null, null, List.of(c))));
    }

    private static void write(Path p, String text) throws Exception {
        // as an operator's script would: a new file renamed in place (close_write or a move)
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.move(
                tmp,
                p,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static HealthEvent next(BlockingQueue<HealthEvent> events) throws InterruptedException {
        return events.poll(5, TimeUnit.SECONDS);
    }

    private static HealthEvent ev(HealthEvent.Kind k, int w) {
        return new HealthEvent(SERVICE, SERVER, k, w, "");
    }

    private static HealthEvent plain(HealthEvent e) {
        return e == null ? null : new HealthEvent(e.service(), e.server(), e.kind(), e.weight(), "");
    }

    @Test
    void aWeightedFileMovesTheServersWeightAndTheFaultValueTakesItOut() throws Exception {
        Path f = dir.resolve("weight");
        write(f, "3\n");
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(pool(f, 2, false)), loop, x -> null, events::add, 10);
        try {
            s.start();
            assertEquals(ev(HealthEvent.Kind.ADD, 16), plain(next(events)), "10 + 3 x 2, read before the first table");
            write(f, "-2\n");
            assertEquals(ev(HealthEvent.Kind.WEIGHT, 6), plain(next(events)));
            write(f, "-2147483648\n");
            assertEquals(ev(HealthEvent.Kind.REMOVE, 0), plain(next(events)), "IPVS_WEIGHT_FAULT: down");
            write(f, "junk\n");
            assertEquals(ev(HealthEvent.Kind.ADD, 10), plain(next(events)), "not a number reads as 0: up, adds 0");
            write(f, "99999999999\n");
            assertNull(events.poll(500, TimeUnit.MILLISECONDS), "out of range: ignored, nothing changes");
            write(f, "1\n");
            assertEquals(ev(HealthEvent.Kind.WEIGHT, 12), plain(next(events)));
            Files.delete(f);
            assertEquals(ev(HealthEvent.Kind.WEIGHT, 10), plain(next(events)), "removed: 0");
            HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
            assertEquals(
                    "FILE_CHECK tf (" + f + ")",
                    st.services().get(0).servers().get(0).checkers().get(0).check());
        } finally {
            s.close();
        }
    }

    @Test
    void weightZeroIsASwitchAndReloadReadsTheFileAgain() throws Exception {
        Path f = dir.resolve("switch");
        write(f, "1\n");
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        ServiceSpec spec = pool(f, 0, false);
        HealthCheckService s = new HealthCheckService(List.of(spec), loop, x -> null, events::add, 10);
        try {
            s.start();
            assertNull(events.poll(500, TimeUnit.MILLISECONDS), "non-zero with weight 0: down from the start");
            write(f, "0\n");
            assertEquals(ev(HealthEvent.Kind.ADD, 10), plain(next(events)));
            write(f, "7\n");
            assertEquals(ev(HealthEvent.Kind.REMOVE, 0), plain(next(events)));
            // reverse on reload: 7 is now up; the new pool starts as the file says
            assertEquals(
                    List.of(SERVICE), s.reconfigure(List.of(pool(f, 0, true))).get(5, TimeUnit.SECONDS));
            assertEquals(ev(HealthEvent.Kind.ADD, 10), plain(next(events)));
            Files.delete(f);
            assertEquals(ev(HealthEvent.Kind.REMOVE, 0), plain(next(events)), "reverse: missing (0) is down");
            assertEquals(0, s.scheduled().get(5, TimeUnit.SECONDS), "a FILE_CHECK is never in the schedule");
        } finally {
            s.close();
        }
        write(f, "0\n");
        assertNull(events.poll(500, TimeUnit.MILLISECONDS), "closed: the file is no longer followed");
    }
}
