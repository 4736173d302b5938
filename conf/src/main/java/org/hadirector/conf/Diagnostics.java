package org.hadirector.conf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

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

    public List<Diagnostic> all() {
        return Collections.unmodifiableList(all);
    }

    public List<Diagnostic> errors() {
        return all.stream().filter(d -> d.severity() == Diagnostic.Severity.ERROR).toList();
    }

    public List<Diagnostic> warnings() {
        return all.stream().filter(d -> d.severity() == Diagnostic.Severity.WARNING).toList();
    }
}
