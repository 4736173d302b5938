package org.hadirector.conf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** The test corpus under src/test/resources/corpus, and how tests load it. */
final class Corpus {
    /** Interfaces the corpus files may name without a warning. */
    static final Set<String> INTERFACES = Set.of("lo", "e0", "e1", "e2");

    private Corpus() {}

    static Path root() {
        try {
            return Path.of(Corpus.class.getResource("/corpus").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static Path file(String relative) {
        return root().resolve(relative);
    }

    static ConfigLoader.Options options(String configId) {
        return new ConfigLoader.Options(configId, "testhost", INTERFACES::contains);
    }

    static ConfigLoader.Result load(String relative) throws ConfigException {
        return ConfigLoader.load(file(relative), options("main"));
    }

    /** The *.conf files directly in a corpus folder, plus includes/main.conf for the valid one. */
    static Stream<Path> files(String folder) {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(root().resolve(folder))) {
            s.filter(p -> p.toString().endsWith(".conf")).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path inc = root().resolve(folder).resolve("includes/main.conf");
        if (Files.exists(inc)) {
            out.add(inc);
        }
        return out.stream();
    }

    /** Lines of the form {@code # error: LINE[:COL]: message} (or warning) in a corpus file. */
    static List<String> expected(Path file, String severity) {
        String tag = "# " + severity + ": ";
        try {
            return Files.readAllLines(file).stream()
                    .map(String::strip)
                    .filter(l -> l.startsWith(tag))
                    .map(l -> l.substring(tag.length()).replace("CORPUS", root().toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A diagnostic as the corpus writes it: LINE[:COL]: message for one in {@code file} itself,
     * NAME:LINE[:COL]: message for one in a file it includes (NAME relative to the corpus file).
     */
    static String shortForm(Diagnostic d, Path file) {
        Location l = d.location();
        Path in = Path.of(l.file()).toAbsolutePath().normalize();
        String prefix = in.equals(file.toAbsolutePath().normalize())
                ? ""
                : file.toAbsolutePath().normalize().getParent().relativize(in) + ":";
        return prefix + (l.column() > 0 ? l.line() + ":" + l.column() : Integer.toString(l.line())) + ": "
                + d.message();
    }
}
