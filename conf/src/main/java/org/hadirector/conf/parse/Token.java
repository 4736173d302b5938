package org.hadirector.conf.parse;

import org.hadirector.conf.Location;

/** A word of the file. Braces are tokens of their own unless they were quoted. */
public record Token(String text, boolean quoted, Location location) {

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
