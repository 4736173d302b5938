package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** enable_script_security's rule: a root script must not be replaceable by anyone else. */
class ScriptSecurityTest {
    @TempDir
    Path dir;

    @Test
    void systemBinariesPass() {
        assertEquals(List.of(), ScriptSecurity.problems("vrrp_script x", "/usr/bin/true", null));
        assertEquals(List.of(), ScriptSecurity.problems("vrrp_script x", "true --flag 'a b'", "root"));
    }

    @Test
    void missingScriptsAreNamed() {
        assertEquals(
                List.of("vrrp_script x: /nonexistent/check not found (give an absolute path, or put it on PATH)"),
                ScriptSecurity.problems("vrrp_script x", "/nonexistent/check arg", null));
    }

    @Test
    void aWorldWritableRootScriptIsRefusedUnlessItRunsAsAnotherUser() throws Exception {
        Path script = dir.resolve("check.sh");
        Files.writeString(script, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxrwxrwx"));
        List<String> p = ScriptSecurity.problems("notify script of VI_1", script + " master", null);
        if ("root".equals(System.getProperty("user.name"))) {
            assertEquals(1, p.size(), p.toString());
            assertTrue(
                    p.get(0).contains(script + " runs as root but " + script + " is writable by group or others"),
                    p.get(0));
        } else {
            assertTrue(p.get(0).contains("is owned by"), p.toString());
        }
        assertEquals(List.of(), ScriptSecurity.problems("notify script of VI_1", script.toString(), "nobody"));
    }

    @Test
    void rootOwnedLinksAreFollowedToTheirTargets() throws Exception {
        // Merged /usr: /bin -> usr/bin, a root-owned link; keepalived checks the real path.
        assertEquals(List.of(), ScriptSecurity.problems("vrrp_script x", "/bin/true", null));
        assertEquals(List.of(), ScriptSecurity.problems("vrrp_script x", "/bin/sh -c true", null));
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "owners need root");
        Path link = dir.resolve("check");
        Files.createSymbolicLink(link, Path.of("/bin/true"));
        assertEquals(List.of(), ScriptSecurity.problems("vrrp_script x", link.toString(), null));
        Path relative = dir.resolve("rel");
        Files.createSymbolicLink(relative, dir.toRealPath().relativize(Path.of("/usr/bin/true")));
        assertEquals(null, ScriptSecurity.unsafeStep(relative.toAbsolutePath()));
    }

    @Test
    void aLinkToAnInsecureTargetOrOwnedByAnotherUserIsRefused() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "owners need root");
        Path target = dir.resolve("target.sh");
        Files.writeString(target, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path link = dir.resolve("check");
        Files.createSymbolicLink(link, target);
        List<String> p = ScriptSecurity.problems("vrrp_script x", link.toString(), null);
        assertEquals(1, p.size(), p.toString());
        assertTrue(p.get(0).contains(target + " is writable by group or others"), p.get(0));

        Path theirs = dir.resolve("theirs");
        Path safe = dir.resolve("safe.sh");
        Files.writeString(safe, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(safe, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(theirs, safe);
        var nobody = theirs.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        // lchown(2): the view with NOFOLLOW_LINKS changes the link itself, never its target.
        java.nio.file.Files.getFileAttributeView(
                        theirs,
                        java.nio.file.attribute.PosixFileAttributeView.class,
                        java.nio.file.LinkOption.NOFOLLOW_LINKS)
                .setOwner(nobody);
        List<String> q = ScriptSecurity.problems("vrrp_script x", theirs.toString(), null);
        assertEquals(1, q.size(), q.toString());
        assertTrue(q.get(0).contains("the symbolic link " + theirs + " is owned by nobody"), q.get(0));

        Path loop = dir.resolve("loop");
        Files.createSymbolicLink(loop, loop);
        assertTrue(ScriptSecurity.unsafeStep(loop).contains("too many symbolic links"));
    }

    @Test
    void theFifosScriptsAreCheckedByThePartsThatRunThem() throws Exception {
        var c = DirectorPlanTest.config("""
                global_defs {
                    notify_fifo /run/hd-all.fifo
                    notify_fifo_script /nonexistent/all
                    vrrp_notify_fifo /run/hd-vrrp.fifo
                    vrrp_notify_fifo_script /nonexistent/vrrp
                    lvs_notify_fifo /run/hd-lvs.fifo
                    lvs_notify_fifo_script /nonexistent/lvs
                }
                """);
        List<String> vrrp = ScriptSecurity.vrrpScriptProblems(c);
        List<String> checks = ScriptSecurity.checkerScriptProblems(c);
        assertEquals(2, vrrp.size(), vrrp::toString);
        assertTrue(vrrp.get(0).contains("notify_fifo_script") && vrrp.get(1).contains("vrrp_notify_fifo_script"));
        assertEquals(2, checks.size(), checks::toString);
        assertTrue(checks.get(1).contains("lvs_notify_fifo_script"));
    }
}
