package org.hadirector.conf.parse;

import org.hadirector.conf.Location;

/**
 * A word of the file. Braces are tokens of their own unless they were quoted. The place is kept
 * as plain fields, not a {@link Location}, because a large configuration has millions of tokens.
 */
public record Token(String text, boolean quoted, String file, int line, int column) {

    public Token(String text, boolean quoted, Location at) {
        this(text, quoted, at.file(), at.line(), at.column());
    }

    public Location location() {
        return new Location(file, line, column);
    }

    public boolean isOpen() {
        return !quoted && text.equals("{");
    }

    public boolean isClose() {
        return !quoted && text.equals("}");
    }

    @Override
    public String toString() {
        return text;
    }
}
