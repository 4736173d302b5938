package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * keepalived's own sample configurations (doc/samples, shipped by Debian's keepalived package
 * under /usr/share/doc/keepalived/samples) must load. CI installs the package; elsewhere the
 * test is skipped, loudly, when it is missing.
 */
class KeepalivedSamplesTest {
    static final Path SAMPLES = Path.of("/usr/share/doc/keepalived/samples");

    static Stream<Path> samples() throws IOException {
        if (!Files.isDirectory(SAMPLES)) {
            if (System.getenv("CI") != null) {
                fail(SAMPLES + " is missing: .ci/run must install Debian's keepalived package");
            }
            Assumptions.abort("keepalived samples not installed (apt-get install keepalived)");
        }
        try (Stream<Path> s = Files.list(SAMPLES)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith("keepalived.conf."))
                    .sorted()
                    .toList();
            assertFalse(files.isEmpty(), "no keepalived.conf.* under " + SAMPLES);
            return files.stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void sampleLoadsWithEveryConfigIdItUses(Path sample) {
        // conditional_conf is written for '-i high' and '-i low'; the others ignore the id.
        for (String id : List.of("high", "low", "some-other-host")) {
            assertDoesNotThrow(() -> ConfigLoader.load(sample, Corpus.options(id)), () -> sample + " with -i " + id);
        }
    }
}
