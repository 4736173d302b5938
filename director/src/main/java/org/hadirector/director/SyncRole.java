package org.hadirector.director;

import java.time.Duration;
import java.util.Optional;
import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.SyncDaemons;
import org.hadirector.ipvs.SyncHooks;
import org.hadirector.ipvs.sync.SyncLimits;
import org.hadirector.ipvs.sync.SyncReceiver;
import org.hadirector.ipvs.sync.SyncSender;
import org.hadirector.ipvs.sync.SyncSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection sync follows the VRRP instance named by lvs_sync_daemon, as keepalived does it: a
 * master sends its connections, any other state receives them. A dataplane with its own sync
 * daemons (kernel IPVS) has them switched; one whose sync runs in this process (the userspace
 * forwarder) gets our sender and receiver, through its hooks. Runs on the table thread.
 */
final class SyncRole implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncRole.class);

    /** Exactly one of the two is present for a dataplane that syncs; neither for one that does not. */
    private final Optional<SyncDaemons> daemons;

    private final Optional<SyncHooks> hooks;
    private final SyncSettings settings;
    private final SyncLimits limits;
    private Boolean master;
    /** The role VRRP asked for last; {@link #check} brings it back when it is not what runs. */
    private Boolean wanted;
    /** The sync interface's index when the role started (-1: unknown). */
    private int boundIndex = -1;

    static final long CHECK_MS = 2_000;
    private SyncSender sender;
    private SyncReceiver receiver;

    /** Throws IllegalArgumentException for a bad hadirector.sync.* property (see SyncLimits). */
    SyncRole(Dataplane dataplane, SyncSettings settings) {
        this(dataplane, settings, SyncLimits.configured());
    }

    SyncRole(Dataplane dataplane, SyncSettings settings, SyncLimits limits) {
        this.daemons = dataplane.syncDaemons();
        this.hooks = dataplane.syncHooks();
        this.settings = settings;
        this.limits = limits;
    }

    /** The settings of lvs_sync_daemon; the sync id defaults to the instance's VRID, as in keepalived. */
    static SyncSettings settings(LvsSyncDaemon d, int vrid) {
        return new SyncSettings(
                d.interfaceName(),
                d.syncId() != null ? d.syncId() : vrid,
                d.maxlen(),
                d.group() != null ? d.group() : SyncSettings.DEFAULT_GROUP,
                d.port(),
                d.ttl(),
                Duration.ofSeconds(1));
    }

    SyncSettings settings() {
        return settings;
    }

    /** Becomes the sender ({@code true}) or the receiver; repeating the current role does nothing. */
    void become(boolean toMaster) {
        wanted = toMaster;
        if (master != null && master == toMaster) {
            return;
        }
        try {
            if (daemons.isPresent()) {
                daemons.get().startSyncDaemon(toMaster, settings);
            } else if (hooks.isPresent()) {
                inProcess(hooks.get(), toMaster);
            }
            master = toMaster;
            boundIndex = interfaceIndex();
            LOG.info(
                    "sync: {} on {} (syncid {}, {}:{}{})",
                    toMaster ? "sending connections (master)" : "receiving connections (backup)",
                    settings.interfaceName(),
                    settings.syncId(),
                    settings.group().getHostAddress(),
                    settings.port(),
                    toMaster || hooks.isEmpty()
                            ? ""
                            : "; at most " + limits.maxEntries() + " table entries by sync, " + limits.maxPending()
                                    + " waiting");
        } catch (DataplaneException | RuntimeException e) {
            // Nothing is known to run now: the switch may have closed the other side first (a
            // sender that fails to open after the receiver closed). Remembering the old role would
            // make the next become() of that role a no-op and check() content, with no receiver.
            master = null;
            LOG.error(
                    "sync: cannot become {} on {}: {}; tried again in {} ms",
                    toMaster ? "master" : "backup",
                    settings.interfaceName(),
                    e.getMessage(),
                    CHECK_MS);
        }
    }

    /**
     * On the table thread every {@link #CHECK_MS}: a role that failed to start (its interface was
     * missing) is started again, and one whose interface was deleted and re-created (its socket
     * bound to the old one) is opened afresh on the new one, as the forwarder and VRRP follow
     * interfaces by name. Only our own sender and receiver need it: the kernel's daemons are
     * not watched here.
     */
    void check() {
        if (wanted == null) {
            return;
        }
        if (hooks.isEmpty()) {
            if (master == null && daemons.isPresent()) {
                become(wanted); // the kernel's daemon failed to start: tried again
            }
            return;
        }
        int index = interfaceIndex();
        boolean recreated = master != null && index > 0 && boundIndex > 0 && index != boundIndex;
        if (index > 0 && (master == null || master.booleanValue() != wanted || recreated)) {
            LOG.info(
                    "sync: {} on {}; starting the {} role again",
                    recreated ? "interface re-created" : "role not running",
                    settings.interfaceName(),
                    wanted ? "master" : "backup");
            closeSender();
            closeReceiver();
            master = null;
            become(wanted);
        }
    }

    private int interfaceIndex() {
        try {
            return org.hadirector.sys.Interfaces.index(settings.interfaceName());
        } catch (org.hadirector.sys.NativeException e) {
            return -1;
        }
    }

    private void inProcess(SyncHooks table, boolean toMaster) throws DataplaneException {
        if (toMaster) {
            closeReceiver();
            sender = SyncSender.start(settings, limits.maxPending());
            table.syncOut(sender::offer);
        } else {
            table.syncOut(null);
            closeSender();
            table.syncLimits(limits.maxEntries(), limits.maxPending());
            receiver = SyncReceiver.start(settings, table::installLater);
        }
    }

    private void closeSender() {
        if (sender != null) {
            sender.close();
            sender = null;
        }
    }

    private void closeReceiver() {
        if (receiver != null) {
            receiver.close();
            receiver = null;
        }
    }

    /** For status and metrics: sent messages, received messages (0 with the kernel's daemons). */
    long[] counters() {
        SyncSender s = sender;
        SyncReceiver r = receiver;
        return new long[] {s == null ? 0 : s.messagesSent(), r == null ? 0 : r.messagesAccepted()};
    }

    String role() {
        return master == null ? "none" : master ? "master" : "backup";
    }

    @Override
    public void close() {
        if (hooks.isPresent()) {
            try {
                hooks.get().syncOut(null);
            } catch (DataplaneException e) {
                // the forwarder is stopping too
            }
        }
        closeSender();
        closeReceiver();
        if (daemons.isPresent() && master != null) {
            try {
                daemons.get().stopSyncDaemon(master);
            } catch (DataplaneException e) {
                LOG.warn("sync: cannot stop the kernel's sync daemon: {}", e.getMessage());
            }
        }
    }
}
