package org.hadirector.conf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Collects warnings and errors while a file is read, so that one run reports them all. */
public final class Diagnostics {
    /** Past this many errors the file is hopeless; stop collecting so that garbage input stays cheap. */
    static final int MAX_ERRORS = 200;

    private final List<Diagnostic> all = new ArrayList<>();
    private int errors;

    public void warning(Location at, String message) {
        if (all.size() < MAX_ERRORS * 5) {
            all.add(new Diagnostic(Diagnostic.Severity.WARNING, at, message));
        }
    }

    public void error(Location at, String message) {
        errors++;
        if (errors <= MAX_ERRORS) {
            all.add(new Diagnostic(Diagnostic.Severity.ERROR, at, message));
        }
    }

    public boolean hasErrors() {
        return errors > 0;
    }

    public int errorCount() {
        return errors;
    }

    /**
     * Everything found, in file order: by file (in the order files first have a finding), line and
     * column. Blocks are read in an order of their own (instances after global_defs), so the order
     * of discovery would not be the order of the file.
     */
    public List<Diagnostic> all() {
        Map<String, Integer> fileRank = new HashMap<>();
        for (Diagnostic d : all) {
            fileRank.putIfAbsent(d.location().file(), fileRank.size());
        }
        List<Diagnostic> sorted = new ArrayList<>(all);
        sorted.sort(Comparator.<Diagnostic>comparingInt(
                        d -> fileRank.get(d.location().file()))
                .thenComparingInt(d -> d.location().line())
                .thenComparingInt(d -> d.location().column()));
        return Collections.unmodifiableList(sorted);
    }

    public List<Diagnostic> errors() {
        return all().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.ERROR)
                .toList();
    }

    public List<Diagnostic> warnings() {
        return all().stream()
                .filter(d -> d.severity() == Diagnostic.Severity.WARNING)
                .toList();
    }
}
