package org.hadirector.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Scripts started as keepalived starts them: exit told from a signal, own process group, clean environment, the user's groups. */
class ScriptProcessTest {
    @TempDir
    Path dir;

    private static ScriptProcess.Exit run(String script) throws Exception {
        return ScriptProcess.start(List.of("/bin/sh", "-c", script), Scripts.ENVIRONMENT)
                .onExit()
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    @Timeout(20)
    void anExitIsToldFromADeathByASignal() throws Exception {
        assertEquals(new ScriptProcess.Exit(0, 0), run("exit 0"));
        assertEquals(new ScriptProcess.Exit(137, 0), run("exit 137"));
        ScriptProcess.Exit killed = run("kill -KILL $$");
        assertTrue(killed.signalled());
        assertEquals(9, killed.signal());
        assertFalse(killed.success());
        assertEquals(15, run("kill -TERM $$").signal());
    }

    @Test
    void aMissingProgramIsAnError() {
        IOException e = assertThrows(
                IOException.class, () -> ScriptProcess.start(List.of("/nonexistent/check"), Scripts.ENVIRONMENT));
        assertTrue(e.getMessage().contains("/nonexistent/check"), e.getMessage());
    }

    @Test
    @Timeout(30)
    void killGroupLeavesNothingBehind() throws Exception {
        // GNU sleep adds its arguments: the second one marks our grandchild among the machine's processes.
        String marker = "0.000" + ProcessHandle.current().pid();
        // The script starts a child that would sleep 60 s, then waits for it.
        ScriptProcess p =
                ScriptProcess.start(List.of("/bin/sh", "-c", "sleep 60 " + marker + " & wait"), Scripts.ENVIRONMENT);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (count(marker) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(1, count(marker), "the grandchild runs");
        assertEquals(p.pid(), pgid(p.pid()), "the script leads its own process group");
        p.killGroup();
        assertTrue(p.onExit().get(5, TimeUnit.SECONDS).signalled());
        deadline = System.nanoTime() + 5_000_000_000L;
        while (count(marker) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, count(marker), "nothing of the script is left");
    }

    private static long count(String marker) {
        return ProcessHandle.allProcesses()
                .filter(h -> cmdline(h.pid()).equals("sleep\0" + "60\0" + marker + "\0"))
                .count();
    }

    private static String cmdline(long pid) {
        try {
            return Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"));
        } catch (IOException e) {
            return "";
        }
    }

    private static long pgid(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[2]);
    }

    @Test
    @Timeout(20)
    void theEnvironmentIsCleanAndNoSignalIsInheritedIgnored() throws Exception {
        Path out = dir.resolve("env");
        assertEquals(
                0,
                ScriptProcess.start(
                                List.of(
                                        "/bin/sh",
                                        "-c",
                                        // grep reads its own mask (exec: the shell's, as the spawn left it);
                                        // the shell's /proc/$$ read from a child was racy: dash blocks
                                        // every signal while it forks and waits
                                        "env > " + out + "; exec grep -E '^Sig(Ign|Blk)' /proc/self/status >> " + out),
                                Map.of("PATH", "/usr/bin:/bin"))
                        .onExit()
                        .get(10, TimeUnit.SECONDS)
                        .code());
        String env = Files.readString(out);
        assertFalse(env.contains("JAVA"), env);
        assertFalse(env.contains("HOME="), env);
        assertTrue(env.contains("PATH=/usr/bin:/bin"), env);
        assertTrue(env.contains("SigBlk:\t0000000000000000"), env);
    }

    @Test
    @Timeout(20)
    void aUserRunsWithItsOwnGroupsAndEnvironment() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "switching users needs root");
        Users.User postgres = Users.user("postgres");
        Assumptions.assumeTrue(postgres != null, "needs a user with a supplementary group (postgres: ssl-cert)");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path out = dir.resolve("id");
        List<String> argv =
                Scripts.asUser(List.of("/bin/sh", "-c", "id > " + out + "; env >> " + out), "postgres", null);
        assertEquals(
                0,
                ScriptProcess.start(argv, Scripts.ENVIRONMENT)
                        .onExit()
                        .get(10, TimeUnit.SECONDS)
                        .code(),
                argv.toString());
        String id = Files.readString(out);
        assertTrue(id.startsWith("uid=" + postgres.uid() + "(postgres) gid=" + postgres.gid() + "(postgres)"), id);
        assertTrue(id.contains("ssl-cert"), id);
        assertFalse(id.contains("(root)"), id);
        assertTrue(id.contains("USER=postgres"), id);
        assertTrue(id.contains("HOME=/var/lib/postgresql"), id);
        assertFalse(id.contains("JAVA"), id);
    }

    @Test
    @Timeout(20)
    void rootScriptsGetRootsGroupsAndACleanEnvironment() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        Path out = dir.resolve("id");
        List<String> argv = Scripts.asUser(List.of("/bin/sh", "-c", "id > " + out + "; env >> " + out), null, null);
        assertEquals(
                0,
                ScriptProcess.start(argv, Scripts.ENVIRONMENT)
                        .onExit()
                        .get(10, TimeUnit.SECONDS)
                        .code());
        String id = Files.readString(out);
        assertTrue(id.startsWith("uid=0(root) gid=0(root)"), id);
        assertTrue(id.contains("HOME=/root"), id);
    }
}
