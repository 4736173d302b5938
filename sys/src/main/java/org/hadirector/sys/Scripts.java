package org.hadirector.sys;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Command lines of operator scripts (notify, vrrp_script, MISC_CHECK) as keepalived runs them:
 * split on white space with single quotes keeping words together, never through a shell; run as
 * another user through setpriv(1); started without waiting, so a slow script delays nobody.
 */
public final class Scripts {
    private static final Logger LOG = LoggerFactory.getLogger(Scripts.class);

    private Scripts() {
    }

    /** {@code cmd} run as {@code user} through setpriv(1); unchanged for no user or root. */
    public static List<String> asUser(List<String> cmd, String user, String group) {
        if (user == null || user.equals("root")) {
            return new ArrayList<>(cmd);
        }
        List<String> out = new ArrayList<>(List.of("setpriv", "--reuid=" + user,
                "--regid=" + (group != null ? group : user), "--init-groups", "--"));
        out.addAll(cmd);
        return out;
    }

    /** Words of a command line: white space separates, single quotes keep a word together. */
    public static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (char c : line.toCharArray()) {
            if (c == '\'') {
                quoted = !quoted;
                any = true;
            } else if (Character.isWhitespace(c) && !quoted) {
                if (any) {
                    out.add(w.toString());
                    w.setLength(0);
                    any = false;
                }
            } else {
                w.append(c);
                any = true;
            }
        }
        if (any) {
            out.add(w.toString());
        }
        return out;
    }

    /** Starts {@code argv} with output discarded; a failure or a non-zero exit is logged for {@code who}. */
    public static void launch(String who, List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            p.onExit().thenAccept(done -> {
                if (done.exitValue() != 0) {
                    LOG.warn("{}: script {} exited with {}", who, argv, done.exitValue());
                }
            });
        } catch (IOException e) {
            LOG.error("{}: cannot run script {}: {}", who, argv, e.getMessage());
        }
    }
}
