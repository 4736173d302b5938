package org.hadirector.conf;

import java.util.List;

/**
 * A configuration that cannot be used. {@link Kind#FATAL} is keepalived's exit code 4 (the file
 * cannot be read at all); {@link Kind#INVALID} is exit code 5 (the file was read and has errors).
 * Always carries the location of the first problem.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Kind {
        FATAL,
        INVALID
    }

    private final Kind kind;
    private final Location location;
    private final transient List<Diagnostic> diagnostics;

    public ConfigException(Kind kind, Location location, String message, List<Diagnostic> diagnostics) {
        super(location + ": " + message);
        this.kind = kind;
        this.location = location;
        this.diagnostics = List.copyOf(diagnostics);
    }

    public static ConfigException fatal(Location location, String message) {
        return new ConfigException(
                Kind.FATAL, location, message, List.of(new Diagnostic(Diagnostic.Severity.ERROR, location, message)));
    }

    public static ConfigException invalid(Diagnostics diagnostics) {
        Diagnostic first = diagnostics.errors().get(0);
        int n = diagnostics.errorCount();
        String message = first.message() + (n > 1 ? " (and " + (n - 1) + " more error" + (n > 2 ? "s" : "") + ")" : "");
        return new ConfigException(Kind.INVALID, first.location(), message, diagnostics.all());
    }

    public Kind kind() {
        return kind;
    }

    public Location location() {
        return location;
    }

    /** Every warning and error found, in file order of discovery. */
    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }
}
