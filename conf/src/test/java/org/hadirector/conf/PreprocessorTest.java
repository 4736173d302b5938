package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.hadirector.conf.parse.Preprocessor;
import org.hadirector.conf.parse.SourceLine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Line-level rules that the corpus files cannot show on their own. */
class PreprocessorTest {

    private static List<String> lines(String text) throws ConfigException {
        Diagnostics d = new Diagnostics();
        List<SourceLine> out = new Preprocessor("main", d).readString("t.conf", text, Path.of("/nonexistent"));
        assertTrue(d.errors().isEmpty(), () -> d.errors().toString());
        return out.stream().map(SourceLine::text).toList();
    }

    @Test
    void commentsEndAtQuotesOnlyOutsideThem() throws ConfigException {
        assertEquals(
                List.of("a \"b # c\"", "d 'e ! f'", "#"),
                lines("a \"b # c\" # gone\nd 'e ! f' ! gone\n${_HASH}\n# whole line\n   ! another"));
    }

    @Test
    void dollarNameNeedsWhiteSpaceAfterIt() throws ConfigException {
        assertEquals(List.of("x y $Xz y y"), lines("$X=y\nx $X $Xz ${X} $X"));
    }

    @Test
    void sequenceDefaultsStartAndStep() throws ConfigException {
        assertEquals(List.of("1", "2", "3"), lines("~SEQ(A, 3) $A"));
        assertEquals(List.of("-1", "-2"), lines("~SEQ(A, -2) $A"));
        assertEquals(List.of("a", "b", "c"), lines("~SEQx(A, 10, 12) $A"));
        assertEquals(List.of("1 x", "1 y", "2 x", "2 y"), lines("~SEQ(A, 1, 2) ~LST(B, x, y) $A $B"));
    }

    @Test
    void multiLineDefinitionNeedsItsLastLine() {
        Diagnostics d = new Diagnostics();
        try {
            new Preprocessor("main", d).readString("t.conf", "$A= \\\nline1 \\\n", Path.of("/"));
        } catch (ConfigException e) {
            throw new AssertionError(e);
        }
        assertEquals(
                "t.conf:1: error: multi-line definition of $A is not terminated (its last line must not end with '\\')",
                d.errors().get(0).toString());
    }

    @Test
    void runawaySequenceEndsInAnError() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> new Preprocessor("main", new Diagnostics())
                        .readString("t.conf", "~SEQ(A, 1, 100000000) x $A", Path.of("/")));
        assertEquals(ConfigException.Kind.FATAL, e.kind());
        assertEquals(
                "t.conf:1: ~SEQ(A, 1, 100000000) has 100000000 values: configuration expands to too many lines"
                        + " (runaway ~SEQ or definition?)",
                e.getMessage());
        ConfigException lines = assertThrows(
                ConfigException.class,
                () -> new Preprocessor("main", new Diagnostics())
                        .readString("t.conf", "~SEQ(A, 1, 5000000) x $A", Path.of("/")));
        assertEquals(
                "t.conf:1: configuration expands to more than 4000000 lines (runaway ~SEQ or definition?)",
                lines.getMessage());
    }

    @Test
    void missingTopLevelFileIsFatal(@TempDir Path dir) {
        ConfigException e = assertThrows(
                ConfigException.class, () -> ConfigLoader.load(dir.resolve("nope.conf"), Corpus.options("main")));
        assertEquals(ConfigException.Kind.FATAL, e.kind());
        assertEquals(dir.resolve("nope.conf") + ":0: configuration file not found", e.getMessage());
    }

    @Test
    void includerIsQuietAndBracesExpandInOrder(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("b.inc"), "from_b");
        Files.writeString(dir.resolve("a.inc"), "from_a");
        Diagnostics d = new Diagnostics();
        List<SourceLine> out = new Preprocessor("main", d)
                .readString("t.conf", "include {b,a}.inc\nincluder none-*.inc\ninclude *.inc", dir);
        assertEquals(
                List.of("from_b", "from_a", "from_a", "from_b"),
                out.stream().map(SourceLine::text).toList());
        assertTrue(d.all().isEmpty(), () -> d.all().toString());
        assertEquals(dir.resolve("b.inc").toString(), out.get(0).location().file());
    }
}
