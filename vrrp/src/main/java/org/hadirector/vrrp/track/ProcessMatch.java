package org.hadirector.vrrp.track;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A vrrp_track_process: which processes count, and how many make it up, as keepalived 2.2.7's
 * track_process.c decides. Pure. Names are compared byte for byte, as keepalived compares them;
 * text read from the kernel comes here as ISO-8859-1 (one char per byte), and so does the
 * configured name (its UTF-8 bytes), so that any byte sequence compares as keepalived's strcmp.
 *
 * <ul>
 * <li>Without {@code fullCommand}: the kernel's comm (/proc/PID/stat, /proc/PID/comm, a COMM event)
 * equals {@code process}.
 * <li>With it: the command line's first word equals {@code process}, and the words after it are
 * compared as {@code paramMatch} says: EXACT the same words, no more; PARTIAL the given words
 * first, any after; INITIAL as PARTIAL with the last given word allowed to be the start of the
 * process's word; NONE not compared.
 * </ul>
 *
 * @param quorum    fewest matching processes for the tracked process to be up
 * @param quorumMax most (keepalived's default 4294967295); quorum_max 0 means "none may run"
 */
public record ProcessMatch(
        String name,
        String process,
        List<String> params,
        ParamMatch paramMatch,
        boolean fullCommand,
        long quorum,
        long quorumMax,
        long forkDelayNanos,
        long terminateDelayNanos) {

    public enum ParamMatch {
        NONE,
        EXACT,
        PARTIAL,
        INITIAL
    }

    public ProcessMatch {
        params = List.copyOf(params);
    }

    public boolean inQuorum(long count) {
        return count >= quorum && count <= quorumMax;
    }

    /** The kernel's name of a process (at most 15 bytes) is this one's. */
    public boolean matchesComm(String comm) {
        return !fullCommand && comm != null && comm.equals(latin1(process));
    }

    /**
     * {@code cmdline} (/proc/PID/cmdline as read: words each ended by a NUL, read up to
     * {@link #cmdlineBytes()}) names this process.
     */
    public boolean matchesCmdline(byte[] cmdline) {
        if (!fullCommand || cmdline == null) {
            return false;
        }
        byte[] p = process.getBytes(StandardCharsets.UTF_8);
        int end = 0;
        while (end < cmdline.length && cmdline[end] != 0) {
            end++;
        }
        if (end != p.length || !java.util.Arrays.equals(cmdline, 0, end, p, 0, end)) {
            return false;
        }
        if (paramMatch == ParamMatch.NONE) {
            return true;
        }
        int start = Math.min(end + 1, cmdline.length);
        return paramsMatch(cmdline, start, cmdline.length - start);
    }

    /** keepalived's check_params: {@code given} is the configured words, each followed by a NUL. */
    private boolean paramsMatch(byte[] b, int from, int len) {
        byte[] given = paramBytes();
        if (paramMatch == ParamMatch.EXACT && given.length == 0 && len == 0) {
            return true;
        }
        if (len < given.length) {
            return false;
        }
        if (paramMatch == ParamMatch.EXACT) {
            return len == given.length && java.util.Arrays.equals(b, from, from + len, given, 0, given.length);
        }
        if (given.length == 0) {
            return true;
        }
        int compared = paramMatch == ParamMatch.PARTIAL ? given.length : given.length - 1;
        return java.util.Arrays.equals(b, from, from + compared, given, 0, compared);
    }

    private byte[] paramBytes() {
        StringBuilder sb = new StringBuilder();
        for (String w : params) {
            sb.append(w).append('\0');
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * How much of a command line to read: the name, its NUL, the given words and two bytes more,
     * as keepalived reads it, so that a longer command line is seen to be longer.
     */
    public int cmdlineBytes() {
        return process.getBytes(StandardCharsets.UTF_8).length + 1 + paramBytes().length + 2;
    }

    private static String latin1(String s) {
        return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    /** How it is written in logs: the name, and the quorum when it is not the default "at least one". */
    public String describe() {
        String q = quorumMax == 0
                ? "none running"
                : quorumMax >= 0xffff_ffffL ? "at least " + quorum : quorum + ".." + quorumMax;
        return "track_process " + name + " (" + (fullCommand ? "command line " : "") + process + ", " + q + ")";
    }
}
