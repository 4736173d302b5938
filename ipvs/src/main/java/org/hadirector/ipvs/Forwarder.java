package org.hadirector.ipvs;

/**
 * A dataplane that forwards the frames itself, on one thread of this process and on one
 * interface (the userspace forwarder; the kernel's IPVS is none): what it has done, where, and
 * the drill's lever on its thread.
 */
public interface Forwarder {

    /** The interface it receives and forwards on; it stays there until a restart. */
    String interfaceName();

    /** For status and metrics. */
    ForwarderCounters counters() throws DataplaneException;

    /**
     * Makes the forwarder thread fail as a real fault would (the part-death drill): an exception,
     * which the thread survives by re-attaching, or with {@code error} an Error, which ends the process.
     */
    void injectFailure(boolean error);
}
