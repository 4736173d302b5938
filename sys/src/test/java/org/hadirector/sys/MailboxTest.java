package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Work handed to an owner thread: in order, answered, failed with its cause, or timed out. */
class MailboxTest {

    @Test
    void postedWorkRunsInOrderWhenTheOwnerDrainsAndEachPostWakesIt() {
        AtomicInteger wakes = new AtomicInteger();
        Mailbox m = new Mailbox(wakes::incrementAndGet);
        List<Integer> ran = new ArrayList<>();
        m.post(() -> ran.add(1));
        m.post(() -> ran.add(2));
        assertEquals(2, wakes.get());
        assertEquals(List.of(), ran, "nothing runs until the owner drains");
        assertEquals(2, m.drain());
        assertEquals(List.of(1, 2), ran);
        assertTrue(m.isEmpty());
        assertTrue(!m.runOne());
    }

    @Test
    void aCallIsAnsweredOnTheOwnersThread() throws Exception {
        Mailbox[] box = new Mailbox[1];
        Thread owner = new Thread(
                () -> {
                    for (int i = 0; i < 2000 && !Thread.currentThread().isInterrupted(); i++) {
                        box[0].drain();
                        try {
                            Thread.sleep(1);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                },
                "owner");
        box[0] = new Mailbox(() -> {});
        owner.start();
        try {
            assertEquals("owner", box[0].call(() -> Thread.currentThread().getName(), 5_000));
            Mailbox.NoAnswer failed = assertThrows(
                    Mailbox.NoAnswer.class,
                    () -> box[0].call(
                            () -> {
                                throw new IllegalStateException("bad");
                            },
                            5_000));
            assertInstanceOf(IllegalStateException.class, failed.getCause());
        } finally {
            owner.interrupt();
            owner.join(5_000);
        }
    }

    @Test
    void anOwnerThatDoesNotAnswerTimesOut() {
        Mailbox m = new Mailbox(() -> {});
        Mailbox.NoAnswer e = assertThrows(Mailbox.NoAnswer.class, () -> m.call(() -> 1, 20));
        assertEquals("no answer within 20 ms", e.getMessage());
    }

    @Test
    void anExecutorIsAnOwnerToo() throws Exception {
        ExecutorService x = Executors.newSingleThreadExecutor(r -> new Thread(r, "exec"));
        assertEquals("exec", Mailbox.call(x, () -> Thread.currentThread().getName(), 5_000));
        x.shutdown();
        Mailbox.NoAnswer e = assertThrows(Mailbox.NoAnswer.class, () -> Mailbox.call(x, () -> 1, 5_000));
        assertEquals("stopped", e.getMessage());
    }
}
