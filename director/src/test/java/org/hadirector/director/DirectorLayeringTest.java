package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The director holds a Dataplane and asks it for capabilities (org.hadirector.ipvs); it never
 * names the kernel's or the userspace implementation, so that neither can grow a special case
 * here again. Tests may still construct them.
 */
class DirectorLayeringTest {
    /** An import, a static import or a fully-qualified name of either implementation package. */
    static final Pattern IMPLEMENTATION =
            Pattern.compile("\\borg\\s*\\.\\s*hadirector\\s*\\.\\s*ipvs\\s*\\.\\s*(kernel|dr)\\b");

    @Test
    void mainCodeNamesNeitherKernelNorUserspaceDataplane() throws IOException {
        Path main = Path.of("src/main/java");
        assertTrue(Files.isDirectory(main), "run from the director module: " + main.toAbsolutePath());
        List<String> found = new ArrayList<>();
        int files = 0;
        try (Stream<Path> all = Files.walk(main)) {
            for (Path p :
                    all.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                files++;
                List<String> lines = Files.readAllLines(p);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = IMPLEMENTATION.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(main.relativize(p) + ":" + (i + 1) + ": "
                                + lines.get(i).strip());
                    }
                }
            }
        }
        assertTrue(files > 10, "found only " + files + " source files under " + main.toAbsolutePath());
        assertEquals(
                List.of(),
                found,
                "director/ must use the capabilities of org.hadirector.ipvs.Dataplane "
                        + "(and Dataplanes to open one), not org.hadirector.ipvs.kernel or .dr");
    }

    @Test
    void thePatternCatchesImportsAndQualifiedNamesOnly() {
        assertTrue(IMPLEMENTATION
                .matcher("import org.hadirector.ipvs.kernel.KernelIpvs;")
                .find());
        assertTrue(IMPLEMENTATION
                .matcher("import static org.hadirector.ipvs.dr.UserspaceDr.LISTING_MAX;")
                .find());
        assertTrue(IMPLEMENTATION
                .matcher("if (d instanceof org.hadirector.ipvs.dr.UserspaceDr dr) {")
                .find());
        assertTrue(
                IMPLEMENTATION.matcher("import org.hadirector.ipvs.kernel.*;").find());
        assertFalse(
                IMPLEMENTATION.matcher("import org.hadirector.ipvs.Dataplane;").find());
        assertFalse(IMPLEMENTATION
                .matcher("import org.hadirector.ipvs.sync.SyncSender;")
                .find());
        assertFalse(IMPLEMENTATION
                .matcher("import org.hadirector.ipvs.drain.Something;")
                .find());
    }
}
