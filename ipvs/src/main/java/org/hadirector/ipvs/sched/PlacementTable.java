package org.hadirector.ipvs.sched;

/**
 * A scheduler whose choice is a lookup of the flow's source in a table (mh, sh): what a fast
 * path needs to place a flow exactly as the scheduler would, the XDP program's Maglev path.
 * Read on the dataplane's thread after each {@link Scheduler#update}.
 */
public interface PlacementTable {
    /** How the source picks its slot: the kernel's ip_vs_mh_hashkey or ip_vs_sh_hashkey. */
    enum Hash {
        /** mh: hsiphash of the source modulo 4,093, a walk with offsets hashed again. */
        MAGLEV,
        /** sh: hash_32 of the source, 8 bits, a walk with offsets added. */
        SOURCE
    }

    Hash hash();

    /** Slots in the table. */
    int size();

    /** The backend in {@code slot}, or null for an empty one. */
    Backend at(int slot);

    /** Whether the source port is hashed with the address (mh-port, sh-port). */
    boolean hashesPort();

    /** Whether an unusable backend's flows walk on to the next usable one (mh-fallback, sh-fallback). */
    boolean fallback();

    /** Whether the scheduler may pick {@code b} now (weight above 0, not overloaded). */
    static boolean usable(Backend b) {
        return KernelOrder.usable(b);
    }
}
