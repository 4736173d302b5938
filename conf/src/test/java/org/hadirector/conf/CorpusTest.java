package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corpus file states what it must produce: valid files load with exactly the warnings
 * they list; invalid files fail with exactly the errors (and warnings) they list, each with
 * its line and column.
 */
class CorpusTest {

    static Stream<Path> valid() {
        return Corpus.files("valid");
    }

    static Stream<Path> invalid() {
        return Corpus.files("invalid");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void validFileLoadsWithExactlyItsWarnings(Path file) throws ConfigException {
        ConfigLoader.Result r = ConfigLoader.load(file, Corpus.options("main"));
        List<String> actual =
                r.warnings().stream().map(d -> Corpus.shortForm(d, file)).toList();
        assertEquals(Corpus.expected(file, "warning"), actual, () -> "warnings of " + file);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidFileFailsWithExactlyItsErrors(Path file) {
        List<String> expectedErrors = Corpus.expected(file, "error");
        List<String> expectedFatal = Corpus.expected(file, "fatal");
        assertTrue(!expectedErrors.isEmpty() || !expectedFatal.isEmpty(), file + " names no expected error");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, Corpus.options("main")));
        assertEquals(expectedFatal.isEmpty() ? ConfigException.Kind.INVALID : ConfigException.Kind.FATAL, e.kind());
        List<String> errors = e.diagnostics().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .map(d -> Corpus.shortForm(d, file))
                .toList();
        List<String> warnings = e.diagnostics().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
                .map(d -> Corpus.shortForm(d, file))
                .toList();
        assertEquals(expectedFatal.isEmpty() ? expectedErrors : expectedFatal, errors, () -> "errors of " + file);
        assertEquals(Corpus.expected(file, "warning"), warnings, () -> "warnings of " + file);
        assertTrue(e.getMessage().startsWith(e.location().toString()), "message starts with the location");
    }
}
