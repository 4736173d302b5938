package org.hadirector.conf.parse;

import org.hadirector.conf.Location;

/**
 * One logical line after includes, conditionals, definitions and sequences have been applied.
 * {@code column0} is where {@code text} starts in the file's line (0-based), so that tokens can
 * name their column; for a line produced by substitution it is where the substituted line began.
 */
public record SourceLine(String text, Location location, int column0) {}
