package org.hadirector.ipvs;

import org.hadirector.ipvs.sync.SyncSettings;

/**
 * Connection sync done by the dataplane's own daemons (the kernel's, as ipvsadm --start-daemon
 * starts them): the director only switches which role runs. One master and one backup daemon
 * at most, as the kernel allows.
 */
public interface SyncDaemons {

    /**
     * Starts the master ({@code master}) or backup daemon with {@code settings}; a daemon of
     * either role that runs already is stopped first, so that the new settings take effect.
     */
    void startSyncDaemon(boolean master, SyncSettings settings) throws DataplaneException;

    /** Stops the master ({@code master}) or backup daemon. */
    void stopSyncDaemon(boolean master) throws DataplaneException;
}
