package org.hadirector.director.bird;

import java.util.ArrayList;
import java.util.List;

/**
 * One reply of BIRD's control socket, as its client reads it: lines {@code DDDD-text} (more
 * follow), {@code DDDD text} (the last line) and {@code  text} (a leading space: a continuation
 * of the previous code, which the line belongs to). Codes: 0xxx done, 1xxx / 2xxx table rows and
 * headers, 8xxx runtime errors, 9xxx parse errors. Pure: {@link Reader} takes lines one at a time,
 * so the socket code owns the bytes and this owns the rules and the bounds.
 */
public record BirdReply(List<Line> lines) {

    /** A reply line with the code it belongs to and its text, without the code or the leading space. */
    public record Line(int code, String text) {}

    public BirdReply {
        lines = List.copyOf(lines);
    }

    /** The code of the last line: what the whole reply means. */
    public int finalCode() {
        return lines.get(lines.size() - 1).code();
    }

    public boolean isError() {
        return finalCode() >= 8000;
    }

    /** The text of every line with {@code code}, in order. */
    public List<String> texts(int code) {
        List<String> out = new ArrayList<>();
        for (Line l : lines) {
            if (l.code() == code) {
                out.add(l.text());
            }
        }
        return out;
    }

    /** Throws the reply's error (8xxx / 9xxx) as an exception naming {@code command}. */
    public BirdReply orThrow(String command) throws BirdException {
        if (isError()) {
            Line last = lines.get(lines.size() - 1);
            throw new BirdException(last.code(), "BIRD refused '" + command + "': " + last.code() + " " + last.text());
        }
        return this;
    }

    /** Parses a whole captured reply (lines separated by \n). */
    public static BirdReply parse(String text, int maxLines, int maxLineLength) throws BirdException {
        Reader r = new Reader(maxLines, maxLineLength);
        for (String line : text.split("\n", -1)) {
            if (r.add(line)) {
                return r.reply();
            }
        }
        throw new BirdException(-1, "BIRD reply ended without a final line (DDDD text)");
    }

    /**
     * Builds a reply from its lines. Refuses (with an exception, leaving the caller to drop the
     * connection) a line that is none of the three forms, a continuation before any code, and
     * replies or lines past the caps, so a confused or hostile peer cannot grow our memory.
     */
    public static final class Reader {
        private final int maxLines;
        private final int maxLineLength;
        private final List<Line> lines = new ArrayList<>();
        private int code = -1;
        private boolean done;

        public Reader(int maxLines, int maxLineLength) {
            this.maxLines = maxLines;
            this.maxLineLength = maxLineLength;
        }

        /** Adds one line (without its \n); true when it was the reply's last. */
        public boolean add(String line) throws BirdException {
            if (done) {
                throw new IllegalStateException("reply already complete");
            }
            if (line.length() > maxLineLength) {
                throw new BirdException(-1, "BIRD reply line longer than " + maxLineLength + " characters");
            }
            if (lines.size() >= maxLines) {
                throw new BirdException(-1, "BIRD reply longer than " + maxLines + " lines");
            }
            if (line.length() >= 5 && isCode(line) && (line.charAt(4) == '-' || line.charAt(4) == ' ')) {
                code = Integer.parseInt(line.substring(0, 4));
                lines.add(new Line(code, line.substring(5)));
                done = line.charAt(4) == ' ';
                return done;
            }
            if (line.startsWith(" ") && code >= 0) {
                lines.add(new Line(code, line.substring(1)));
                return false;
            }
            throw new BirdException(-1, "malformed BIRD reply line: '" + printable(line) + "'");
        }

        public BirdReply reply() {
            if (!done) {
                throw new IllegalStateException("reply not complete");
            }
            return new BirdReply(lines);
        }

        private static boolean isCode(String line) {
            for (int i = 0; i < 4; i++) {
                char c = line.charAt(i);
                if (c < '0' || c > '9') {
                    return false;
                }
            }
            return true;
        }

        private static String printable(String s) {
            String cut = s.length() > 80 ? s.substring(0, 80) + "..." : s;
            StringBuilder b = new StringBuilder();
            for (char c : cut.toCharArray()) {
                b.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return b.toString();
        }
    }
}
