package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Mutates valid configurations (delete, duplicate, swap and replace tokens, truncate, insert
 * random bytes) and requires every outcome to be a model or a {@link ConfigException} with a
 * location: no other exception, no hang. Each seed file gets -Dfuzz.mutants mutants (70) from a
 * random stream of its own, seeded by -Dfuzz.seed and the file's name, so a run is the same for a
 * file whatever else the corpus holds; a failing input is written to target/fuzz-failures.
 */
class FuzzTest {
    private static final Pattern TOKEN = Pattern.compile("\\s+|[{}]|[^\\s{}]+");
    private static final String[] WEIRD = {
        "{",
        "}",
        "}}",
        "{{",
        "\"",
        "'",
        "\\",
        "#",
        "!",
        "@",
        "@^",
        "$",
        "${",
        "${X}",
        "$X=$X $X",
        "$X=\\",
        "~SEQ(",
        "~SEQ(A,1,50)",
        "~SEQx(A,0x0,0x20)",
        "~LST({A,B},{1,2},{3})",
        "~SEQ(A,1,0,3)",
        "include",
        "include *.none",
        "includer {a,b}",
        "-1",
        "0",
        "256",
        "4294967296",
        "99999999999999999999",
        "0.000001",
        "1e9",
        "NaN",
        "1.2.3.4/99",
        "::/200",
        "2001:db8::1",
        "fe80::1%e0",
        "198.18.0.1-0",
        "fwmark",
        "group",
        "weight",
        "real_server",
        "HTTP_GET",
        "url",
        "path",
        "status_code",
        "vrrp_instance",
        "virtual_server",
        "virtual_ipaddress",
        "track_script",
        "\u0000",
        "\u00ff\u00fe",
        "\uD83D\uDE00",
        "\r",
        "\n",
    };

    @Test
    void mutatedConfigurationsNeverCrashNorHang() throws IOException {
        long seed = Long.getLong("fuzz.seed", 20261122L);
        int mutants = Integer.getInteger("fuzz.mutants", 70);
        int ok = 0;
        int rejected = 0;
        for (SeedFile f : seedFiles()) {
            // each file's own stream: a file added to the corpus leaves every other file's mutants as they were
            Random random = new Random(seed ^ f.name().hashCode() * 0x9E3779B97F4A7C15L);
            for (int i = 0; i < mutants; i++) {
                if (run(mutate(f.text(), random), seed, f.name(), i) == Outcome.OK) {
                    ok++;
                } else {
                    rejected++;
                }
            }
        }
        int total = ok + rejected;
        // Both outcomes must occur, or the mutations are too weak (or too strong) to test anything.
        assertTrue(ok > total / 50, "only " + ok + " of " + total + " mutants loaded");
        assertTrue(rejected > total / 10, "only " + rejected + " of " + total + " mutants were rejected");
    }

    @Test
    void randomBytesNeverCrash() {
        Random random = new Random(Long.getLong("fuzz.seed", 20261122L));
        for (int i = 0; i < 300; i++) {
            byte[] b = new byte[random.nextInt(2000)];
            random.nextBytes(b);
            run(new String(b, StandardCharsets.ISO_8859_1), -1, "random-bytes", i);
        }
    }

    enum Outcome {
        OK,
        REJECTED
    }

    /** {@code input}, case {@code i} made from the file {@code from}, loads or is rejected with a location. */
    private static Outcome run(String input, long seed, String from, int i) {
        return assertTimeoutPreemptively(
                Duration.ofSeconds(20),
                () -> {
                    try {
                        ConfigLoader.loadString(
                                "fuzz.conf", input, Corpus.root().resolve("valid"), Corpus.options("main"));
                        return Outcome.OK;
                    } catch (ConfigException e) {
                        assertNotNull(e.location(), "location");
                        assertNotNull(e.location().file(), "file");
                        assertTrue(e.location().line() >= 0, "line");
                        assertFalse(e.diagnostics().isEmpty(), "diagnostics");
                        return Outcome.REJECTED;
                    } catch (Throwable t) {
                        Path dir = Path.of("target", "fuzz-failures");
                        Files.createDirectories(dir);
                        Path f = dir.resolve(
                                "seed-" + seed + "-" + from.replaceAll("[^\\w.-]", "_") + "-case-" + i + ".conf");
                        Files.writeString(f, input, StandardCharsets.UTF_8);
                        fail(
                                "fuzz case " + i + " of " + from + " threw " + t + "; input saved in "
                                        + f.toAbsolutePath(),
                                t);
                        return Outcome.REJECTED;
                    }
                },
                () -> "fuzz case " + i + " of " + from + " did not finish within 20 s");
    }

    /** A configuration to mutate, named by where it comes from (which also seeds its mutations). */
    record SeedFile(String name, String text) {}

    private static List<SeedFile> seedFiles() throws IOException {
        List<SeedFile> out = new ArrayList<>();
        Path corpus = Corpus.root();
        for (Path p : Corpus.files("valid").toList()) {
            out.add(new SeedFile(corpus.relativize(p).toString(), Files.readString(p)));
        }
        if (Files.isDirectory(KeepalivedSamplesTest.SAMPLES)) {
            try (var s = Files.list(KeepalivedSamplesTest.SAMPLES)) {
                for (Path p : s.filter(x -> x.getFileName().toString().startsWith("keepalived.conf."))
                        .sorted()
                        .toList()) {
                    out.add(new SeedFile("samples/" + p.getFileName(), Files.readString(p)));
                }
            }
        }
        return out;
    }

    static String mutate(String text, Random r) {
        List<String> t = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            t.add(m.group());
        }
        int rounds = 1 + r.nextInt(4);
        for (int k = 0; k < rounds && !t.isEmpty(); k++) {
            int i = r.nextInt(t.size());
            switch (r.nextInt(7)) {
                case 0 -> t.remove(i);
                case 1 -> t.add(i, t.get(i));
                case 2 -> {
                    int j = r.nextInt(t.size());
                    String x = t.get(i);
                    t.set(i, t.get(j));
                    t.set(j, x);
                }
                case 3 -> t.subList(i, t.size()).clear();
                case 4 -> t.set(i, WEIRD[r.nextInt(WEIRD.length)]);
                case 5 -> t.add(i, " " + WEIRD[r.nextInt(WEIRD.length)] + " ");
                default -> {
                    char[] c = new char[1 + r.nextInt(8)];
                    for (int q = 0; q < c.length; q++) {
                        c[q] = (char) r.nextInt(r.nextBoolean() ? 128 : 0x3000);
                    }
                    t.add(i, new String(c));
                }
            }
        }
        return String.join("", t);
    }
}
