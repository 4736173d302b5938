package org.hadirector.conf;

/** A place in a configuration file: 1-based line, 1-based column (0 when the whole line is meant). */
public record Location(String file, int line, int column) {

    public static Location of(String file, int line) {
        return new Location(file, line, 0);
    }

    public Location atColumn(int col) {
        return new Location(file, line, col);
    }

    @Override
    public String toString() {
        return column > 0 ? file + ":" + line + ":" + column : file + ":" + line;
    }
}
