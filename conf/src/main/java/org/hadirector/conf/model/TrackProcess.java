package org.hadirector.conf.model;

import java.time.Duration;
import java.util.List;

/**
 * vrrp_track_process NAME { process PATH [PARAMS...] param_match [initial|partial] full_command
 * quorum N quorum_max M weight W [reverse] fork_delay / terminate_delay / delay SECONDS }, as
 * keepalived 2.2.7 reads it.
 *
 * @param process     the name compared: the kernel's comm (15 characters at most) unless
 *                    {@code fullCommand}, then the command line's first word
 * @param params      the parameters given after the process (empty: none given)
 * @param paramMatch  NONE (parameters not compared), EXACT, PARTIAL or INITIAL
 * @param fullCommand match the command line rather than comm (set by parameters or param_match)
 * @param quorum      fewest matching processes for the tracked state to be up (0 with quorum_max 0)
 * @param quorumMax   most matching processes for it to be up (keepalived's default: unbounded)
 */
public record TrackProcess(
        String name,
        String process,
        List<String> params,
        ParamMatch paramMatch,
        boolean fullCommand,
        int weight,
        boolean reverse,
        long quorum,
        long quorumMax,
        Duration forkDelay,
        Duration terminateDelay) {

    /** keepalived's quorum_max when none is given (UINT_MAX). */
    public static final long UNBOUNDED = 0xffff_ffffL;

    /** How the parameters after the process name are compared. */
    public enum ParamMatch {
        /** not compared */
        NONE,
        /** the same parameters, no more */
        EXACT,
        /** the given parameters are the first ones; more may follow */
        PARTIAL,
        /** as PARTIAL, and the last given parameter may be the start of the process's */
        INITIAL
    }
}
