package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

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
        assertEquals(List.of("vrrp_script x: /nonexistent/check not found (give an absolute path, or put it on PATH)"),
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
            assertTrue(p.get(0).contains(script + " runs as root but " + script + " is writable by group or others"),
                    p.get(0));
        } else {
            assertTrue(p.get(0).contains("is owned by"), p.toString());
        }
        assertEquals(List.of(), ScriptSecurity.problems("notify script of VI_1", script.toString(), "nobody"));
    }
}
