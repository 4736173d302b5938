package org.hadirector.conf.parse;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;

/** The subset of glob(3) with GLOB_BRACE that keepalived's include uses. */
final class Glob {
    private Glob() {}

    static boolean hasWildcard(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0 || s.indexOf('[') >= 0;
    }

    /**
     * csh brace expansion, left to right, nested: {@code a{b,c{d,e}}f} -> abf, acdf, acef.
     * Returns null when the result would exceed {@code limit} patterns.
     */
    static List<String> expandBraces(String s, int limit) {
        List<String> out = new ArrayList<>();
        return expand(s, out, limit) ? out : null;
    }

    private static boolean expand(String s, List<String> out, int limit) {
        int open = -1;
        int depth = 0;
        int close = -1;
        List<Integer> commas = new ArrayList<>();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                if (depth++ == 0) {
                    open = i;
                    commas.clear();
                }
            } else if (c == '}' && depth > 0) {
                if (--depth == 0) {
                    close = i;
                    break;
                }
            } else if (c == ',' && depth == 1) {
                commas.add(i);
            }
        }
        if (open < 0 || close < 0) {
            if (out.size() >= limit) {
                return false;
            }
            out.add(s);
            return true;
        }
        String prefix = s.substring(0, open);
        String suffix = s.substring(close + 1);
        int from = open + 1;
        List<String> alternatives = new ArrayList<>();
        for (int comma : commas) {
            alternatives.add(s.substring(from, comma));
            from = comma + 1;
        }
        alternatives.add(s.substring(from, close));
        for (String alt : alternatives) {
            if (!expand(prefix + alt + suffix, out, limit)) {
                return false;
            }
        }
        return true;
    }

    /** Files matching an absolute pattern whose components may hold * ? [..], sorted as glob(3) does. */
    static List<Path> match(Path pattern) {
        List<Path> current = new ArrayList<>();
        Path root = pattern.getRoot();
        current.add(root == null ? Path.of("") : root);
        for (Path component : pattern) {
            String name = component.toString();
            List<Path> next = new ArrayList<>();
            for (Path dir : current) {
                if (!hasWildcard(name)) {
                    Path p = dir.resolve(name);
                    if (Files.exists(p)) {
                        next.add(p);
                    }
                    continue;
                }
                PathMatcher m;
                try {
                    m = FileSystems.getDefault()
                            .getPathMatcher("glob:" + name.replace("{", "\\{").replace("}", "\\}"));
                } catch (IllegalArgumentException e) {
                    continue;
                }
                List<Path> found = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    for (Path p : ds) {
                        String fn = p.getFileName().toString();
                        if (fn.startsWith(".") && !name.startsWith(".")) {
                            continue;
                        }
                        if (m.matches(p.getFileName())) {
                            found.add(p);
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    continue;
                }
                found.sort(null);
                next.addAll(found);
            }
            current = next;
            if (current.isEmpty()) {
                break;
            }
        }
        return current;
    }
}
