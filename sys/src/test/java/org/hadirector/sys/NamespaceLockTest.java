package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The namespace lock is the kernel's: an abstract socket name, held by one socket per network
 * namespace. Another process (python3 here) cannot take a name we hold, we cannot take one it
 * holds, and a process in another namespace can take the same name.
 */
class NamespaceLockTest {
    private final String name = "hadirector-test-" + ProcessHandle.current().pid();

    @AfterEach
    void release() {
        NamespaceLock.release();
    }

    private static Process holder(List<String> prefix, String name) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(
                "python3",
                "-c",
                "import socket,sys,time\n"
                        + "s=socket.socket(socket.AF_UNIX)\n"
                        + "try:\n s.bind('\\0'+sys.argv[1])\n print('bound',flush=True)\n"
                        + "except OSError as e:\n print('busy',e.errno,flush=True)\n sys.exit(0)\n"
                        + "time.sleep(30)\n",
                name));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static String firstLine(Process p) throws Exception {
        return new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
    }

    @Test
    void oneHolderPerNamespace() throws Exception {
        assertNull(NamespaceLock.acquire(name));
        assertNull(NamespaceLock.acquire(name), "taking it again in the same process is a no-op");
        Process other = holder(List.of(), name);
        try {
            assertEquals("busy 98", firstLine(other));
        } finally {
            other.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        NamespaceLock.release();
        Process holder = holder(List.of(), name);
        try {
            assertEquals("bound", firstLine(holder));
            String why = NamespaceLock.acquire(name);
            assertTrue(why != null && why.contains("another hadirector runs in this network namespace"), why);
        } finally {
            holder.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        // The kernel frees the name with its holder: nothing stale is left.
        assertNull(NamespaceLock.acquire(name));
    }

    @Test
    void anotherNamespaceHasItsOwn() throws Exception {
        NetnsLab.requireRoot();
        assertNull(NamespaceLock.acquire(name));
        String ns = "hdt" + ProcessHandle.current().pid() + "lock";
        assertEquals(
                0,
                new ProcessBuilder("ip", "netns", "add", ns).inheritIO().start().waitFor());
        try {
            Process p = holder(List.of("ip", "netns", "exec", ns), name);
            try {
                assertEquals("bound", firstLine(p));
            } finally {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            new ProcessBuilder("ip", "netns", "del", ns).inheritIO().start().waitFor();
        }
    }
}
