package org.hadirector.conf;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.hadirector.conf.model.NotifyScript;
import org.hadirector.conf.parse.Statement;
import org.hadirector.conf.parse.Token;

/** Typed reading of a statement's arguments; every bad value becomes a located error and a null. */
final class ValueReader {
    final Diagnostics diagnostics;

    private final java.util.function.Predicate<String> interfaceExists;

    ValueReader(Diagnostics diagnostics, java.util.function.Predicate<String> interfaceExists) {
        this.diagnostics = diagnostics;
        this.interfaceExists = interfaceExists;
    }

    /**
     * Warns about an interface this machine lacks. Only a warning: a file is often tested on a
     * machine other than the director it is for.
     */
    void interfaceExists(Token name, String user) {
        if (name != null && interfaceExists != null && !interfaceExists.test(name.text())) {
            warning(name, "interface " + name.text() + " (" + user + ") does not exist on this machine");
        }
    }

    void error(Statement s, String message) {
        diagnostics.error(s.location(), message);
    }

    void error(Token t, String message) {
        diagnostics.error(t.location(), message);
    }

    void warning(Statement s, String message) {
        diagnostics.warning(s.location(), message);
    }

    void warning(Token t, String message) {
        diagnostics.warning(t.location(), message);
    }

    /** The first argument, or an error naming what is expected. */
    String string(Statement s) {
        if (s.args().isEmpty()) {
            error(s, "'" + s.name() + "' needs a value");
            return null;
        }
        return s.args().get(0).text();
    }

    Token arg(Statement s) {
        if (s.args().isEmpty()) {
            error(s, "'" + s.name() + "' needs a value");
            return null;
        }
        return s.args().get(0);
    }

    Integer integer(Statement s, long min, long max) {
        Token t = arg(s);
        return t == null ? null : integer(t, s.name(), min, max);
    }

    Integer integer(Token t, String what, long min, long max) {
        String text = t.text();
        long v;
        try {
            v = Long.parseLong(text);
        } catch (NumberFormatException e) {
            error(t, "'" + what + "' must be an integer in " + min + ".." + max + ", got '" + text + "'");
            return null;
        }
        if (v < min || v > max) {
            error(t, "'" + what + "' must be in " + min + ".." + max + ", got " + v);
            return null;
        }
        return (int) v;
    }

    /** A TIMER: seconds with up to microsecond resolution, e.g. 3, 0.5, 2.71828. */
    Duration seconds(Statement s, double min, double max) {
        Token t = arg(s);
        return t == null ? null : seconds(t, s.name(), min, max);
    }

    Duration seconds(Token t, String what, double min, double max) {
        String text = t.text();
        long micros = parseMicros(text);
        if (micros < 0) {
            error(t, "'" + what + "' must be a number of seconds (e.g. 3 or 0.5), got '" + text + "'");
            return null;
        }
        if (micros < Math.round(min * 1e6) || micros > Math.round(max * 1e6)) {
            error(t, "'" + what + "' must be between " + fmt(min) + " and " + fmt(max) + " seconds, got " + text);
            return null;
        }
        return Duration.ofNanos(micros * 1000);
    }

    /**
     * Seconds with an optional fraction ("3", "0.5", ".25", "2.71828") to microseconds, rounded
     * half up; -1 for anything else (signs, exponents, more than 12 integer digits).
     */
    static long parseMicros(String text) {
        long whole = 0;
        long frac = 0;
        int fracDigits = 0;
        int intDigits = 0;
        boolean dot = false;
        boolean roundUp = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.' && !dot) {
                dot = true;
            } else if (c >= '0' && c <= '9') {
                if (!dot) {
                    if (++intDigits > 12) {
                        return -1;
                    }
                    whole = whole * 10 + (c - '0');
                } else if (fracDigits < 6) {
                    frac = frac * 10 + (c - '0');
                    fracDigits++;
                } else if (fracDigits++ == 6) {
                    roundUp = c >= '5';
                }
            } else {
                return -1;
            }
        }
        if (intDigits == 0 && fracDigits == 0) {
            return -1;
        }
        for (int i = Math.min(fracDigits, 6); i < 6; i++) {
            frac *= 10;
        }
        return whole * 1_000_000 + frac + (roundUp ? 1 : 0);
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A flag: no argument means on; otherwise on|off|true|false|yes|no. */
    Boolean flag(Statement s) {
        if (s.args().isEmpty()) {
            return true;
        }
        return bool(s.args().get(0), s.name());
    }

    Boolean bool(Token t, String what) {
        switch (t.text().toLowerCase(Locale.ROOT)) {
            case "on", "true", "yes":
                return true;
            case "off", "false", "no":
                return false;
            default:
                error(t, "'" + what + "' takes on|off|true|false|yes|no, got '" + t.text() + "'");
                return null;
        }
    }

    InetAddress address(Statement s) {
        Token t = arg(s);
        return t == null ? null : address(t, s.name());
    }

    InetAddress address(Token t, String what) {
        InetAddress a = IpLiteral.parse(t.text());
        if (a == null) {
            error(t, "'" + what + "': '" + t.text() + "' is not an IPv4 or IPv6 address");
        }
        return a;
    }

    /** script [username [groupname]]. */
    NotifyScript script(Statement s) {
        String cmd = string(s);
        if (cmd == null) {
            return null;
        }
        if (cmd.isBlank()) {
            error(s, "'" + s.name() + "' needs a script path");
            return null;
        }
        List<Token> a = s.args();
        if (a.size() > 3) {
            warning(
                    a.get(3),
                    "'" + s.name() + "' takes a script and an optional user and group; extra words "
                            + "ignored (quote a script that has arguments)");
        }
        return new NotifyScript(
                cmd,
                a.size() > 1 ? a.get(1).text() : null,
                a.size() > 2 ? a.get(2).text() : null);
    }

    /**
     * A keyword whose keepalived handler takes no argument and never looks at any (e.g. a
     * virtual_server's {@code alpha}, {@code omega}, {@code ha_suspend}): words after it are
     * accepted, as keepalived accepts them, with a warning that they mean nothing.
     */
    void noValue(Statement s) {
        if (!s.args().isEmpty()) {
            warning(
                    s.args().get(0),
                    "'" + s.name() + "' takes no value here; keepalived ignores '" + String.join(" ", s.argTexts())
                            + "' and sets it, and so does hadirector");
        }
    }

    /** Warns that the words after {@code used} arguments are ignored, as keepalived does. */
    void extraArgs(Statement s, int used) {
        if (s.args().size() > used) {
            warning(
                    s.args().get(used),
                    "unexpected '" + s.args().get(used).text() + "' after '" + s.name() + "'; ignored");
        }
    }

    /** Statements that must have a block; null (after an error) when the block is missing. */
    List<Statement> block(Statement s) {
        if (!s.hasBlock()) {
            error(s, "'" + s.name() + "' needs a block: " + s.name() + " { ... }");
            return null;
        }
        return s.block();
    }
}
