package org.hadirector.conf.parse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hadirector.conf.ConfigException;
import org.hadirector.conf.Diagnostics;
import org.hadirector.conf.Location;

/**
 * The line-level layer of keepalived.conf: comments, {@code include}, {@code @id} / {@code @^id}
 * conditional lines, {@code $NAME=value} definitions (also multi-line with a trailing backslash),
 * {@code $NAME} / {@code ${NAME}} substitution, and {@code ~SEQ} / {@code ~SEQx} / {@code ~LST}
 * repetition. What comes out is a flat list of lines, each with the place it came from.
 *
 * <p>keepalived detects include before substitution; we do it after, which accepts everything
 * keepalived accepts. Every expansion is bounded, so a hostile file ends in an error, not a hang.
 */
public final class Preprocessor {
    /** Nesting of substitutions, sequences and multi-line definitions on one line. */
    private static final int MAX_DEPTH = 64;
    /** Includes nested deeper than this are surely a mistake even without a cycle. */
    private static final int MAX_INCLUDE_DEPTH = 32;
    /** A generated line longer than this means a runaway definition. */
    private static final int MAX_LINE_LENGTH = 64 * 1024;
    /**
     * Bounds for one load: about 6x the lines of the largest configuration we benchmark
     * (10,000 virtual servers of 10 real servers), so a runaway ~SEQ ends in an error, not an
     * out-of-memory.
     */
    static final int MAX_LINES = 4_000_000;

    private static final long MAX_WORK = 10L * MAX_LINES;
    private static final int MAX_BRACE_PATTERNS = 1024;

    private static final Pattern DEFINITION = Pattern.compile("^\\$([A-Za-z_][A-Za-z0-9_]*)=(.*)$", Pattern.DOTALL);
    private static final Pattern REPEAT = Pattern.compile("^~(SEQx|SEQ|LST)[ \\t]*\\(");

    private final String configId;

    /**
     * The config id of hadirector's own keywords: an {@code @hadirector} line is read by hadirector
     * whatever its config id, and skipped by keepalived (unless it runs with {@code -i hadirector}),
     * so a file with hadirector's extensions still passes {@code keepalived -t} (docs/ecmp.md).
     */
    public static final String EXTENSION_ID = "hadirector";

    private final Diagnostics diagnostics;
    private final Map<String, String> definitions = new HashMap<>();
    private final Deque<Path> includeStack = new ArrayDeque<>();
    private final java.util.function.Consumer<SourceLine> out;
    private int emitted;
    private long work;

    public Preprocessor(String configId, Diagnostics diagnostics) {
        this(configId, diagnostics, null);
    }

    /** Lines go to {@code sink} as they are produced; with a null sink they are collected and returned. */
    public Preprocessor(String configId, Diagnostics diagnostics, java.util.function.Consumer<SourceLine> sink) {
        this.configId = configId;
        this.diagnostics = diagnostics;
        this.out = sink != null ? sink : collected::add;
    }

    private final List<SourceLine> collected = new ArrayList<>();

    /** Reads {@code file} and everything it includes. A missing top-level file is fatal (exit 4). */
    public List<SourceLine> read(Path file) throws ConfigException {
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw ConfigException.fatal(
                    Location.of(file.toString(), 0),
                    Files.exists(abs) ? "not a regular file" : "configuration file not found");
        }
        readFile(abs, file.toString(), Location.of(file.toString(), 0));
        return collected;
    }

    /** Reads text as if it were the file {@code name}; used by tests and by stdin. */
    public List<SourceLine> readString(String name, String text, Path directory) throws ConfigException {
        includeStack.push(directory.resolve(name).toAbsolutePath().normalize());
        try {
            processText(text, name, directory);
        } finally {
            includeStack.pop();
        }
        return collected;
    }

    private void readFile(Path abs, String shownName, Location includedFrom) throws ConfigException {
        Path key;
        try {
            key = abs.toRealPath();
        } catch (IOException e) {
            key = abs;
        }
        if (includeStack.contains(key)) {
            StringBuilder chain = new StringBuilder();
            for (var it = includeStack.descendingIterator(); it.hasNext(); ) {
                chain.append(it.next()).append(" -> ");
            }
            chain.append(key);
            diagnostics.error(includedFrom, "include cycle: " + chain + "; remove one of these includes");
            return;
        }
        if (includeStack.size() >= MAX_INCLUDE_DEPTH) {
            diagnostics.error(includedFrom, "includes nested deeper than " + MAX_INCLUDE_DEPTH + " levels");
            return;
        }
        String text;
        try {
            text = new String(Files.readAllBytes(abs), StandardCharsets.UTF_8);
        } catch (IOException e) {
            if (includeStack.isEmpty()) {
                throw ConfigException.fatal(includedFrom, "cannot read configuration file: " + e.getMessage());
            }
            diagnostics.error(includedFrom, "cannot read included file " + abs + ": " + e.getMessage());
            return;
        }
        includeStack.push(key);
        try {
            processText(text, shownName, abs.getParent());
        } finally {
            includeStack.pop();
        }
    }

    private void processText(String text, String file, Path dir) throws ConfigException {
        LineCursor raw = new LineCursor(text);
        while (raw.hasNext()) {
            String rawLine = raw.next();
            Location loc = Location.of(file, raw.lineNumber());
            String uncommented = stripComment(rawLine);
            String line = uncommented.strip();
            if (line.isEmpty()) {
                continue;
            }
            int col0 = uncommented.length() - uncommented.stripLeading().length();
            Matcher def = line.charAt(0) == '$' ? DEFINITION.matcher(line) : null;
            if (def != null && def.matches() && def.group(2).strip().equals("\\")) {
                // Multi-line definition: the value is every following line that ends in '\', plus
                // the first that does not. Blank lines inside it are skipped, as keepalived does.
                List<String> value = new ArrayList<>();
                boolean terminated = false;
                while (raw.hasNext()) {
                    String v = stripComment(raw.next()).strip();
                    if (v.isEmpty()) {
                        continue;
                    }
                    if (v.endsWith("\\")) {
                        value.add(v.substring(0, v.length() - 1).strip());
                    } else {
                        value.add(v);
                        terminated = true;
                        break;
                    }
                }
                if (!terminated) {
                    diagnostics.error(
                            loc,
                            "multi-line definition of $" + def.group(1)
                                    + " is not terminated (its last line must not end with '\\')");
                }
                definitions.put(def.group(1), String.join("\n", value));
                continue;
            }
            processLine(line, loc, col0, dir, 0);
        }
    }

    private void processLine(String line, Location loc, int col0, Path dir, int depth) throws ConfigException {
        if (++work > MAX_WORK) {
            throw ConfigException.fatal(loc, "configuration expands to too many lines (runaway ~SEQ or definition?)");
        }
        if (depth > MAX_DEPTH) {
            diagnostics.error(
                    loc,
                    "parameter substitution nested deeper than " + MAX_DEPTH
                            + " levels (does a definition refer to itself?)");
            return;
        }
        if (line.length() > MAX_LINE_LENGTH) {
            diagnostics.error(loc, "line longer than " + MAX_LINE_LENGTH + " characters after substitution");
            return;
        }
        col0 += line.length() - line.stripLeading().length();
        line = line.strip();
        if (line.isEmpty()) {
            return;
        }
        if (line.charAt(0) == '@') {
            boolean negate = line.length() > 1 && line.charAt(1) == '^';
            int start = negate ? 2 : 1;
            int end = start;
            while (end < line.length() && !Character.isWhitespace(line.charAt(end))) {
                end++;
            }
            String id = line.substring(start, end);
            if (id.isEmpty()) {
                diagnostics.error(
                        loc.atColumn(col0 + 1), "'@' must be followed by a config id, e.g. '@main router_id main'");
                return;
            }
            if ((id.equals(configId) || id.equals(EXTENSION_ID)) == negate) {
                return;
            }
            String rest = line.substring(end);
            col0 += end + rest.length() - rest.stripLeading().length();
            line = rest.strip();
            if (line.isEmpty()) {
                return;
            }
        }
        if (line.charAt(0) == '$') {
            Matcher def = DEFINITION.matcher(line);
            if (def.matches()) {
                definitions.put(def.group(1), def.group(2).strip());
                return;
            }
        }
        Matcher rep = line.charAt(0) == '~' ? REPEAT.matcher(line) : null;
        if (rep != null && rep.find()) {
            repeat(rep.group(1), line, loc, col0, dir, depth);
            return;
        }
        String substituted = substitute(line, loc);
        if (substituted == null) {
            return;
        }
        if (!substituted.equals(line)) {
            for (String part : substituted.split("\n", -1)) {
                processLine(part, loc, col0, dir, depth + 1);
            }
            return;
        }
        if (line.startsWith("include") && isInclude(line)) {
            include(line, loc, dir);
            return;
        }
        if (++emitted > MAX_LINES) {
            throw ConfigException.fatal(
                    loc, "configuration expands to more than " + MAX_LINES + " lines (runaway ~SEQ or definition?)");
        }
        out.accept(new SourceLine(line, loc, col0));
    }

    private static boolean isInclude(String line) {
        int sp = 0;
        while (sp < line.length() && !Character.isWhitespace(line.charAt(sp))) {
            sp++;
        }
        String kw = line.substring(0, sp);
        return kw.equals("include")
                || (kw.length() == 8 && kw.startsWith("include") && "rmwba".indexOf(kw.charAt(7)) >= 0);
    }

    private void include(String line, Location loc, Path dir) throws ConfigException {
        String[] words = line.split("\\s+");
        if (words.length != 2) {
            diagnostics.error(loc, words[0] + " takes exactly one file name or pattern");
            return;
        }
        String pattern = Lexer.unquote(words[1]);
        boolean quietIfNone = words[0].equals("includer");
        List<String> patterns = Glob.expandBraces(pattern, MAX_BRACE_PATTERNS);
        if (patterns == null) {
            diagnostics.error(loc, "include pattern expands to more than " + MAX_BRACE_PATTERNS + " patterns");
            return;
        }
        boolean any = false;
        for (String p : patterns) {
            Path base;
            try {
                base = Path.of(p).isAbsolute() ? Path.of(p) : dir.resolve(p);
            } catch (java.nio.file.InvalidPathException e) {
                diagnostics.error(loc, "include: '" + p + "' is not a valid path: " + e.getReason());
                continue;
            }
            List<Path> files = Glob.match(base.normalize());
            if (files.isEmpty()) {
                if (!Glob.hasWildcard(p) && !quietIfNone) {
                    diagnostics.error(loc, "included file not found: " + base.normalize());
                }
                continue;
            }
            for (Path f : files) {
                any = true;
                if (Files.isRegularFile(f)) {
                    readFile(f, f.toString(), loc);
                }
            }
        }
        if (!any && Glob.hasWildcard(pattern) && !quietIfNone) {
            diagnostics.warning(loc, "include pattern " + pattern + " matches no file");
        }
    }

    /** ~SEQ(var, [start, [step,]] end), ~SEQx(...) and ~LST(var, v1, v2...) / ~LST({a,b}, {1,2}...). */
    private void repeat(String kind, String line, Location loc, int col0, Path dir, int depth) throws ConfigException {
        int open = line.indexOf('(');
        int close = matchingParen(line, open);
        if (close < 0) {
            diagnostics.error(loc, "~" + kind + "( has no closing ')'");
            return;
        }
        String spec = line.substring(open + 1, close);
        String rest = line.substring(close + 1);
        if (kind.equals("LST")) {
            List<String> items = splitTopLevel(spec);
            if (items.size() < 2) {
                diagnostics.error(loc, "~LST needs a variable and at least one value: ~LST(var, v1, v2)");
                return;
            }
            List<String> vars = braceList(items.get(0));
            for (String v : vars) {
                if (!v.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    diagnostics.error(loc, "~LST variable name '" + v + "' is not valid");
                    return;
                }
            }
            for (String item : items.subList(1, items.size())) {
                List<String> values = braceList(item);
                if (values.size() != vars.size()) {
                    diagnostics.error(
                            loc,
                            "~LST value " + item + " has " + values.size() + " values for " + vars.size()
                                    + " variables");
                    return;
                }
                for (int k = 0; k < vars.size(); k++) {
                    definitions.put(vars.get(k), values.get(k));
                }
                processLine(rest, loc, col0 + close + 1, dir, depth + 1);
            }
            return;
        }
        // keepalived substitutes definitions in ~SEQ's parameters first: ~SEQ(i, $FIRST, $LAST).
        String substitutedSpec = substitute(spec, loc);
        if (substitutedSpec == null) {
            return;
        }
        if (substitutedSpec.indexOf('\n') >= 0) {
            diagnostics.error(loc, "~" + kind + "(" + spec + "): a parameter is a multi-line definition");
            return;
        }
        spec = substitutedSpec;
        String[] parts = spec.split(",", -1);
        if (parts.length < 2 || parts.length > 4) {
            diagnostics.error(loc, "~" + kind + " takes (var, [start, [step,]] end), got (" + spec + ")");
            return;
        }
        String var = parts[0].strip();
        if (!var.matches("[A-Za-z_][A-Za-z0-9_]*")) {
            diagnostics.error(loc, "~" + kind + " variable name '" + var + "' is not valid");
            return;
        }
        long start;
        long step;
        long end;
        try {
            end = Long.decode(parts[parts.length - 1].strip());
            start = parts.length >= 3 ? Long.decode(parts[1].strip()) : (end >= 0 ? 1 : -1);
            step = parts.length == 4 ? Long.decode(parts[2].strip()) : (end >= start ? 1 : -1);
        } catch (NumberFormatException e) {
            diagnostics.error(loc, "~" + kind + "(" + spec + "): start, step and end must be integers");
            return;
        }
        if (kind.equals("SEQx") && (start < 0 || end < 0)) {
            diagnostics.error(loc, "~SEQx(" + spec + ") is only valid for numbers that are not negative");
            return;
        }
        if (step == 0 || (step > 0 && start > end) || (step < 0 && start < end)) {
            diagnostics.error(loc, "~" + kind + "(" + spec + ") never reaches its end; check the step's sign");
            return;
        }
        // Every value costs at least one line of work: more values than the work bound allows would
        // end in the same fatal error, after billions of lines (a 544-byte fuzz case took 18 s, 760 MB).
        java.math.BigInteger values = java.math.BigInteger.valueOf(end)
                .subtract(java.math.BigInteger.valueOf(start))
                .divide(java.math.BigInteger.valueOf(step))
                .add(java.math.BigInteger.ONE);
        if (values.compareTo(java.math.BigInteger.valueOf(MAX_WORK - work)) > 0) {
            throw ConfigException.fatal(
                    loc,
                    "~" + kind + "(" + spec + ") has " + values + " values: configuration expands to too many lines"
                            + " (runaway ~SEQ or definition?)");
        }
        for (long v = start; step > 0 ? v <= end : v >= end; v += step) {
            definitions.put(var, kind.equals("SEQx") ? Long.toHexString(v) : Long.toString(v));
            processLine(rest, loc, col0 + close + 1, dir, depth + 1);
            if ((step > 0 && v > Long.MAX_VALUE - step) || (step < 0 && v < Long.MIN_VALUE - step)) {
                break;
            }
        }
    }

    private static int matchingParen(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /** Splits on commas that are not inside {...}. */
    private static List<String> splitTopLevel(String s) {
        List<String> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(s.substring(from, i).strip());
                from = i + 1;
            }
        }
        out.add(s.substring(from).strip());
        return out;
    }

    private static List<String> braceList(String item) {
        String s = item.strip();
        if (s.startsWith("{") && s.endsWith("}") && s.length() >= 2) {
            List<String> out = new ArrayList<>();
            for (String p : s.substring(1, s.length() - 1).split(",", -1)) {
                out.add(p.strip());
            }
            return out;
        }
        return List.of(s);
    }

    /**
     * One pass of substitution: ${NAME} anywhere, $NAME when followed by white space, ',', ')' or the end.
     * Undefined names stay as they are, as in keepalived, so scripts keep their own '$'.
     */
    private String substitute(String line, Location loc) {
        if (line.indexOf('$') < 0) {
            return line;
        }
        StringBuilder sb = new StringBuilder(line.length() + 16);
        int i = 0;
        while (i < line.length()) {
            char c = line.charAt(i);
            if (c != '$' || i + 1 >= line.length()) {
                sb.append(c);
                i++;
                continue;
            }
            if (line.charAt(i + 1) == '{') {
                int close = line.indexOf('}', i + 2);
                if (close > 0) {
                    String value = builtinOrDefined(line.substring(i + 2, close), loc);
                    if (value != null) {
                        sb.append(value);
                        i = close + 1;
                        continue;
                    }
                }
                sb.append(c);
                i++;
                continue;
            }
            int end = i + 1;
            if (end < line.length() && (Character.isLetter(line.charAt(end)) || line.charAt(end) == '_')) {
                while (end < line.length()
                        && (Character.isLetterOrDigit(line.charAt(end)) || line.charAt(end) == '_')) {
                    end++;
                }
            }
            // keepalived ends a bare $NAME at white space, ',', ')' or the end of the line.
            if (end > i + 1
                    && (end == line.length()
                            || Character.isWhitespace(line.charAt(end))
                            || line.charAt(end) == ','
                            || line.charAt(end) == ')')) {
                String value = builtinOrDefined(line.substring(i + 1, end), loc);
                if (value != null) {
                    sb.append(value);
                    i = end;
                    continue;
                }
            }
            sb.append(c);
            i++;
        }
        if (sb.length() > MAX_LINE_LENGTH) {
            diagnostics.error(loc, "line longer than " + MAX_LINE_LENGTH + " characters after substitution");
            return null;
        }
        return sb.toString();
    }

    private String builtinOrDefined(String name, Location loc) {
        String v = definitions.get(name);
        if (v != null) {
            return v;
        }
        switch (name) {
            case "_PWD":
                return includeStack.isEmpty() || includeStack.peek().getParent() == null
                        ? "."
                        : includeStack.peek().getParent().toString();
            case "_INSTANCE":
                return configId;
            case "_HASH":
                return "#";
            case "_BANG":
                return "!";
            default:
                break;
        }
        if (name.equals("_RANDOM") || name.startsWith("_RANDOM ")) {
            String[] p = name.strip().split("\\s+");
            try {
                long min = p.length > 1 ? Long.parseLong(p[1]) : 0;
                long max = p.length > 2 ? Long.parseLong(p[2]) : 32767;
                if (min < 0 || max < min) {
                    diagnostics.error(loc, "${_RANDOM MIN MAX} needs 0 <= MIN <= MAX");
                    return "0";
                }
                return Long.toString(ThreadLocalRandom.current().nextLong(min, max + 1));
            } catch (NumberFormatException e) {
                diagnostics.error(loc, "${_RANDOM MIN MAX} takes non-negative integers");
                return "0";
            }
        }
        return null;
    }

    /** Walks the lines of a text (\n, \r\n or \r) without splitting it all at once. */
    private static final class LineCursor {
        private final String text;
        private int pos;
        private int line;

        LineCursor(String text) {
            this.text = text;
        }

        boolean hasNext() {
            return pos <= text.length() && !(pos == text.length() && line > 0 && endsWithBreak());
        }

        private boolean endsWithBreak() {
            char c = text.charAt(text.length() - 1);
            return c == '\n' || c == '\r';
        }

        String next() {
            int end = pos;
            while (end < text.length() && text.charAt(end) != '\n' && text.charAt(end) != '\r') {
                end++;
            }
            String s = text.substring(pos, end);
            if (end < text.length()
                    && text.charAt(end) == '\r'
                    && end + 1 < text.length()
                    && text.charAt(end + 1) == '\n') {
                end++;
            }
            pos = end + 1;
            line++;
            return s;
        }

        int lineNumber() {
            return line;
        }
    }

    /** Removes a '#' or '!' comment that is outside double or single quotes. */
    static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '#' || c == '!') {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
