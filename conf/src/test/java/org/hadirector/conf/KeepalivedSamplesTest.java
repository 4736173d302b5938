package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * keepalived's own sample configurations must load (warnings allowed). The files are keepalived
 * 2.2.7's doc/samples, copied unchanged into src/test/resources/keepalived-samples, so the test
 * runs everywhere; they are the files Debian's package installs under
 * /usr/share/doc/keepalived/samples.
 */
class KeepalivedSamplesTest {
    /** The number of keepalived.conf.* files in keepalived 2.2.7's doc/samples. */
    private static final int SAMPLES_IN_2_2_7 = 25;

    /** src/test/resources/keepalived-samples on the test class path. */
    static Path samplesDir() {
        try {
            return Path.of(KeepalivedSamplesTest.class
                    .getResource("/keepalived-samples")
                    .toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Path> samples() throws IOException {
        Path dir = samplesDir();
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> files = s.filter(p -> p.getFileName().toString().startsWith("keepalived.conf."))
                    .sorted()
                    .toList();
            assertEquals(SAMPLES_IN_2_2_7, files.size(), "keepalived.conf.* under " + dir);
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
