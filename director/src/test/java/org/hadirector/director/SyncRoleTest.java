package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.SyncDaemons;
import org.hadirector.ipvs.sync.SyncLimits;
import org.hadirector.ipvs.sync.SyncSettings;
import org.junit.jupiter.api.Test;

/** Which sync role runs after VRRP's transitions, when a switch of role fails part way. */
class SyncRoleTest {
    /** Records each start; fails the next ones while told to (a kernel refusing, a socket that cannot open). */
    static final class Daemons implements SyncDaemons {
        final List<String> starts = new ArrayList<>();
        int failNext;

        @Override
        public void startSyncDaemon(boolean master, SyncSettings settings) throws DataplaneException {
            if (failNext > 0) {
                failNext--;
                starts.add((master ? "master" : "backup") + " failed");
                throw new DataplaneException("Cannot assign requested address");
            }
            starts.add(master ? "master" : "backup");
        }

        @Override
        public void stopSyncDaemon(boolean master) {}
    }

    static SyncRole role(Daemons d) {
        TableKeeperTest.MemoryDataplane plane = new TableKeeperTest.MemoryDataplane() {
            @Override
            public Optional<SyncDaemons> syncDaemons() {
                return Optional.of(d);
            }
        };
        SyncSettings s = new SyncSettings("e0", 51, 1472, SyncSettings.DEFAULT_GROUP, 8848, 1, Duration.ofSeconds(1));
        return new SyncRole(plane, s, SyncLimits.configured());
    }

    /**
     * The sync-recreate drill's start on XDP: both directors went MASTER for a moment, the backup's
     * switch to master failed after its receiver had closed, and the MASTER -> BACKUP right after
     * it was taken as "backup already runs": no receiver for the rest of the run.
     */
    @Test
    void aFailedSwitchLeavesNoRoleSoTheNextTransitionStartsOne() {
        Daemons d = new Daemons();
        SyncRole r = role(d);
        r.become(false);
        assertEquals("backup", r.role());
        d.failNext = 1;
        r.become(true);
        assertEquals("none", r.role(), "nothing is known to run after a failed switch");
        r.become(false);
        assertEquals("backup", r.role());
        assertEquals(List.of("backup", "master failed", "backup"), d.starts);
    }

    @Test
    void aRoleThatFailedToStartIsTriedAgainByTheCheck() {
        Daemons d = new Daemons();
        SyncRole r = role(d);
        d.failNext = 1;
        r.become(true);
        assertEquals("none", r.role());
        r.check();
        assertEquals("master", r.role());
        r.check();
        assertEquals(List.of("master failed", "master"), d.starts, "a role that runs is left alone");
    }
}
