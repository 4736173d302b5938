package org.hadirector.vrrp;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * promote_secondaries, as keepalived sets it: when an instance starts, its interface's
 * net.ipv4.conf.IF.promote_secondaries goes to 1 if it is 0 (so that removing a VIP that is the
 * primary address of its subnet does not remove the secondaries with it); when the last instance
 * on that interface that asked for it stops, it goes back to 0 if it was set here (keepalived
 * counts the instances per interface too). Failures are logged, never fatal.
 */
final class PromoteSecondaries {
    private static final Logger LOG = LoggerFactory.getLogger(PromoteSecondaries.class);

    /** Per sysctl file: how many instances hold it, and those this process turned on. */
    private static final Map<Path, Integer> HOLDERS = new HashMap<>();

    private static final Set<Path> TURNED_ON = new HashSet<>();

    private final Path confRoot;
    private final String owner;
    private Path held;

    /** {@code confRoot}: /proc/sys/net/ipv4/conf, or a test's directory. */
    PromoteSecondaries(Path confRoot, String owner) {
        this.confRoot = confRoot;
        this.owner = owner;
    }

    /** Sets it on {@code ifname} if it is off; idempotent for this instance (restarts call it again). */
    void set(String ifname) {
        Path p = confRoot.resolve(ifname).resolve("promote_secondaries");
        synchronized (HOLDERS) {
            if (p.equals(held)) {
                return;
            }
            release();
            held = p;
            HOLDERS.merge(p, 1, Integer::sum);
            try {
                if (Files.readString(p).strip().equals("0")) {
                    Files.writeString(p, "1\n");
                    TURNED_ON.add(p);
                    LOG.info("{}: promote_secondaries set on {}", owner, ifname);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("{}: cannot set promote_secondaries on {}: {}", owner, ifname, e.toString());
            }
        }
    }

    /** This instance no longer needs it: the last one puts back what was turned on. */
    void restore() {
        synchronized (HOLDERS) {
            release();
        }
    }

    private void release() {
        if (held == null) {
            return;
        }
        Path p = held;
        held = null;
        if (HOLDERS.merge(p, -1, Integer::sum) > 0) {
            return;
        }
        HOLDERS.remove(p);
        if (TURNED_ON.remove(p)) {
            try {
                Files.writeString(p, "0\n");
                LOG.info(
                        "{}: promote_secondaries reset on {}",
                        owner,
                        p.getParent().getFileName());
            } catch (IOException | RuntimeException e) {
                LOG.warn(
                        "{}: cannot reset promote_secondaries on {}: {}",
                        owner,
                        p.getParent().getFileName(),
                        e.toString());
            }
        }
    }
}
