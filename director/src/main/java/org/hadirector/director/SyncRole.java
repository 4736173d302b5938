package org.hadirector.director;

import java.time.Duration;

import org.hadirector.conf.model.LvsSyncDaemon;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.kernel.IpvsGenl;
import org.hadirector.ipvs.kernel.KernelIpvs;
import org.hadirector.ipvs.sync.SyncLimits;
import org.hadirector.ipvs.sync.SyncReceiver;
import org.hadirector.ipvs.sync.SyncSender;
import org.hadirector.ipvs.sync.SyncSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connection sync follows the VRRP instance named by lvs_sync_daemon, as keepalived does it: a
 * master sends its connections, any other state receives them. With kernel IPVS the kernel's
 * own sync daemons are switched; with the userspace forwarder our sender and receiver are. Runs
 * on the table thread.
 */
final class SyncRole implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SyncRole.class);

    private final Dataplane dataplane;
    private final SyncSettings settings;
    private final SyncLimits limits;
    private Boolean master;
    private SyncSender sender;
    private SyncReceiver receiver;

    /** Throws IllegalArgumentException for a bad hadirector.sync.* property (see SyncLimits). */
    SyncRole(Dataplane dataplane, SyncSettings settings) {
        this(dataplane, settings, SyncLimits.configured());
    }

    SyncRole(Dataplane dataplane, SyncSettings settings, SyncLimits limits) {
        this.dataplane = dataplane;
        this.settings = settings;
        this.limits = limits;
    }

    /** The settings of lvs_sync_daemon; the sync id defaults to the instance's VRID, as in keepalived. */
    static SyncSettings settings(LvsSyncDaemon d, int vrid) {
        return new SyncSettings(d.interfaceName(), d.syncId() != null ? d.syncId() : vrid, d.maxlen(),
                d.group() != null ? d.group() : SyncSettings.DEFAULT_GROUP, d.port(), d.ttl(), Duration.ofSeconds(1));
    }

    SyncSettings settings() {
        return settings;
    }

    /** Becomes the sender ({@code true}) or the receiver; repeating the current role does nothing. */
    void become(boolean toMaster) {
        if (master != null && master == toMaster) {
            return;
        }
        try {
            if (dataplane instanceof KernelIpvs k) {
                kernel(k, toMaster);
            } else if (dataplane instanceof UserspaceDr dr) {
                userspace(dr, toMaster);
            }
            master = toMaster;
            LOG.info("sync: {} on {} (syncid {}, {}:{}{})", toMaster ? "sending connections (master)"
                    : "receiving connections (backup)", settings.interfaceName(), settings.syncId(),
                    settings.group().getHostAddress(), settings.port(), toMaster || !(dataplane instanceof UserspaceDr) ? ""
                            : "; at most " + limits.maxEntries() + " table entries by sync, " + limits.maxPending()
                                    + " waiting");
        } catch (DataplaneException | RuntimeException e) {
            LOG.error("sync: cannot become {} on {}: {}", toMaster ? "master" : "backup", settings.interfaceName(),
                    e.getMessage());
        }
    }

    private void kernel(KernelIpvs k, boolean toMaster) throws DataplaneException {
        int stop = toMaster ? IpvsGenl.Daemon.BACKUP : IpvsGenl.Daemon.MASTER;
        int start = toMaster ? IpvsGenl.Daemon.MASTER : IpvsGenl.Daemon.BACKUP;
        for (IpvsGenl.Daemon d : k.daemons()) {
            if (d.state() == stop || d.state() == start) {
                k.stopDaemon(d.state());
            }
        }
        k.startDaemon(new IpvsGenl.Daemon(start, settings.interfaceName(), settings.syncId(), settings.maxlen(),
                settings.group(), settings.port(), settings.ttl()));
    }

    private void userspace(UserspaceDr dr, boolean toMaster) throws DataplaneException {
        if (toMaster) {
            closeReceiver();
            sender = SyncSender.start(settings, limits.maxPending());
            dr.syncOut(sender::offer);
        } else {
            dr.syncOut(null);
            closeSender();
            dr.syncLimits(limits.maxEntries(), limits.maxPending());
            receiver = SyncReceiver.start(settings, dr::installLater);
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
        if (dataplane instanceof UserspaceDr dr) {
            try {
                dr.syncOut(null);
            } catch (DataplaneException e) {
                // the forwarder is stopping too
            }
        }
        closeSender();
        closeReceiver();
        if (dataplane instanceof KernelIpvs k && master != null) {
            try {
                k.stopDaemon(master ? IpvsGenl.Daemon.MASTER : IpvsGenl.Daemon.BACKUP);
            } catch (DataplaneException e) {
                LOG.warn("sync: cannot stop the kernel's sync daemon: {}", e.getMessage());
            }
        }
    }
}
