package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.hadirector.conf.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files the daemon writes (dumps, init_file) are never written through a symbolic link. */
class DaemonFilesTest {
    @TempDir
    Path dir;

    @Test
    void aDumpIsWrittenWholeWithMode0600AndNeverThroughALink() throws Exception {
        Path data = dir.resolve("hadirector.data");
        Daemon.dump(data, "status\n");
        assertEquals("status\n", Files.readString(data));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious\n");
        Path stats = dir.resolve("hadirector.stats");
        Files.createSymbolicLink(stats, victim);
        Daemon.dump(stats, "metrics\n");
        assertEquals("precious\n", Files.readString(victim));
        assertTrue(Files.isSymbolicLink(stats));
    }

    @Test
    void initFileIsNeverWrittenThroughALink() throws Exception {
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "precious\n");
        Path track = dir.resolve("track");
        Files.createSymbolicLink(track, victim);
        Path fresh = dir.resolve("fresh");
        var c = ConfigLoader.loadString("t.conf", """
                track_file tf {
                    file %s
                    init_file 5 overwrite
                }
                track_file fresh {
                    file %s
                    init_file 3
                }
                """.formatted(track, fresh), dir, ConfigLoader.Options.defaults())
                .config();
        TrackFileInit.write(DirectorPlan.compile(c, true, false).initFiles());
        assertEquals("precious\n", Files.readString(victim), "the link's target is untouched");
        assertTrue(Files.isSymbolicLink(track));
        assertEquals("3\n", Files.readString(fresh));
        // A dangling link is not a missing file: nothing is created at its target either.
        Path dangling = dir.resolve("dangling");
        Files.createSymbolicLink(dangling, dir.resolve("elsewhere"));
        var d = ConfigLoader.loadString(
                        "t.conf",
                        "track_file d {\n file " + dangling + "\n init_file 1\n}\n",
                        dir,
                        ConfigLoader.Options.defaults())
                .config();
        TrackFileInit.write(DirectorPlan.compile(d, true, false).initFiles());
        assertTrue(!Files.exists(dir.resolve("elsewhere")));
    }
}
