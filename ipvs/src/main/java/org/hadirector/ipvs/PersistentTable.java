package org.hadirector.ipvs;

/**
 * A table that outlives this process and is shared with the host (the kernel's IPVS): what a
 * stop leaves in it keeps forwarding, so -I (--dont-release-ipvs) may leave it as it is and
 * lvs_flush_on_stop ALL may empty it whole, entries of others included. The userspace
 * forwarder's table goes with the process, so it has nothing to release or keep.
 */
public interface PersistentTable {

    /** ipvsadm -C: every service and real server goes, ours or not. */
    void flush() throws DataplaneException;
}
