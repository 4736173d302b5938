package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Notify scripts: keepalived's word splitting, users through setpriv, and the arguments of `notify`. */
class NotifyScriptsTest {
    @TempDir
    Path dir;

    @Test
    void singleQuotesKeepWordsTogether() {
        assertEquals(
                List.of("/usr/bin/notify", "a b", "c"), org.hadirector.sys.Scripts.split("/usr/bin/notify 'a b'  c"));
    }

    @Test
    void scriptsRunThroughSetprivWithTheirUsersGroupsAndACleanEnvironment() {
        assertEquals(
                List.of(
                        "/usr/bin/setpriv",
                        "--reuid=nobody",
                        "--regid=nogroup",
                        "--init-groups",
                        "--reset-env",
                        "--",
                        "/bin/true"),
                org.hadirector.sys.Scripts.asUser(List.of("/bin/true"), "nobody", "nogroup"));
        // Without a group: the user's own primary group (nobody's is nogroup, 65534), as keepalived takes pw_gid.
        assertEquals(
                List.of(
                        "/usr/bin/setpriv",
                        "--reuid=nobody",
                        "--regid=65534",
                        "--init-groups",
                        "--reset-env",
                        "--",
                        "/bin/true"),
                org.hadirector.sys.Scripts.asUser(List.of("/bin/true"), "nobody", null));
        // Root: as written (the daemon is root; the environment is cleaned where it is started).
        assertEquals(List.of("/bin/true"), org.hadirector.sys.Scripts.asUser(List.of("/bin/true"), null, null));
        assertEquals(List.of("/bin/true"), org.hadirector.sys.Scripts.asUser(List.of("/bin/true"), "root", null));
    }

    @Test
    void specificScriptThenNotifyWithKindNameStateAndPriority() throws Exception {
        Path out = dir.resolve("out");
        String append = "/bin/sh -c 'echo \"$*\" >> " + out + "' sh";
        NotifyScripts n = new NotifyScripts(
                new NotifyScripts.Script(append + " master-script", null, null),
                null,
                null,
                null,
                new NotifyScripts.Script(append, null, null));
        n.run("VI_1", VrrpState.MASTER, 150);
        n.runForGroup("G", VrrpState.FAULT);
        List<String> lines = List.of();
        for (int i = 0; i < 100 && lines.size() < 3; i++) {
            Thread.sleep(50);
            lines = Files.exists(out) ? Files.readAllLines(out) : List.of();
        }
        assertEquals(
                List.of("GROUP G FAULT 0", "INSTANCE VI_1 MASTER 150", "master-script"),
                lines.stream().sorted().toList());
    }

    @Test
    void aGroupsStopRunsItsNotifyStopAndADeletedInstanceItsNotifyDeletedAsNotifyShutdownAndClearDiffVrrp()
            throws Exception {
        Path out = dir.resolve("out");
        String append = "/bin/sh -c 'echo \"$*\" >> " + out + "' sh";
        NotifyScripts group = new NotifyScripts(
                null,
                null,
                null,
                new NotifyScripts.Script(append + " group-stop", null, null),
                new NotifyScripts.Script(append, null, null));
        NotifyScripts instance = new NotifyScripts(
                null,
                null,
                null,
                null,
                new NotifyScripts.Script(append, null, null),
                new NotifyScripts.Script(append + " deleted-script", null, null));
        // notify_deleted without a script: the flag only, nothing to run but `notify`
        NotifyScripts flagOnly =
                new NotifyScripts(null, null, null, null, null, new NotifyScripts.Script(null, null, null));
        group.runForGroup("G", VrrpState.STOP);
        instance.runDeleted("VI_1", 100);
        flagOnly.runDeleted("VI_2", 90);
        List<String> lines = List.of();
        for (int i = 0; i < 100 && lines.size() < 4; i++) {
            Thread.sleep(50);
            lines = Files.exists(out) ? Files.readAllLines(out) : List.of();
        }
        Thread.sleep(100);
        lines = Files.readAllLines(out);
        assertEquals(
                List.of("GROUP G STOP 0", "INSTANCE VI_1 DELETED 100", "deleted-script", "group-stop"),
                lines.stream().sorted().toList());
    }
}
