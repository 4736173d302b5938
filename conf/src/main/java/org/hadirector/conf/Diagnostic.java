package org.hadirector.conf;

/** One finding about a configuration, always tied to the place it concerns. */
public record Diagnostic(Severity severity, Location location, String message) {

    public enum Severity {
        WARNING,
        ERROR
    }

    @Override
    public String toString() {
        return location + ": " + severity.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
