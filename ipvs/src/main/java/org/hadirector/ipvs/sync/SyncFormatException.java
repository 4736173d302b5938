package org.hadirector.ipvs.sync;

/** A sync datagram the backup must drop, and why (the reasons the kernel's backup logs). */
public final class SyncFormatException extends Exception {
    public SyncFormatException(String message) {
        super(message);
    }
}
