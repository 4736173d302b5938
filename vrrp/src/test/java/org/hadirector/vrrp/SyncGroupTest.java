package org.hadirector.vrrp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Members move together: MASTER and BACKUP spread to the others, any member's fault faults all. */
class SyncGroupTest {

    static final class FakeMember implements SyncGroup.Member {
        final String name;
        final List<String> calls = new ArrayList<>();

        FakeMember(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void syncTo(VrrpState state, String reason) {
            calls.add("sync " + state + ": " + reason);
        }

        @Override
        public void groupFault(boolean fault, String reason) {
            calls.add("fault " + fault + ": " + reason);
        }
    }

    @Test
    void masterAndBackupSpreadToTheOtherMembers() {
        SyncGroup g = new SyncGroup("G", NotifyScripts.NONE);
        FakeMember a = new FakeMember("A");
        FakeMember b = new FakeMember("B");
        g.join(a);
        g.join(b);
        g.memberChanged("A", VrrpState.BACKUP);
        g.memberChanged("B", VrrpState.BACKUP);
        assertEquals(List.of(), a.calls);
        g.memberChanged("A", VrrpState.MASTER);
        assertEquals(List.of("sync MASTER: sync group G: A is MASTER"), b.calls);
        g.memberChanged("B", VrrpState.MASTER);
        assertEquals(List.of(), a.calls, "B following A echoes nothing back");
        g.memberChanged("B", VrrpState.BACKUP);
        assertEquals(List.of("sync BACKUP: sync group G: B is BACKUP"), a.calls);
    }

    @Test
    void theGroupsStateChangesAreToldOnceEach() {
        SyncGroup g = new SyncGroup("G", NotifyScripts.NONE);
        List<String> told = new ArrayList<>();
        g.notifications(new VrrpNotifications() {
            @Override
            public void group(String group, VrrpState state) {
                told.add(group + " " + state);
            }
        });
        g.join(new FakeMember("A"));
        g.join(new FakeMember("B"));
        g.memberChanged("A", VrrpState.BACKUP);
        g.memberChanged("B", VrrpState.BACKUP);
        g.memberChanged("A", VrrpState.MASTER);
        g.memberChanged("B", VrrpState.MASTER);
        assertEquals(List.of("G BACKUP", "G MASTER"), told);
    }

    @Test
    void oneMembersFaultFaultsAllUntilNoneIsFaulted() {
        SyncGroup g = new SyncGroup("G", NotifyScripts.NONE);
        FakeMember a = new FakeMember("A");
        FakeMember b = new FakeMember("B");
        g.join(a);
        g.join(b);
        g.ownFault("A", true, "interface e1 is down");
        assertEquals(List.of("fault true: sync group G: A is faulted"), b.calls);
        assertEquals(List.of("fault true: sync group G: A is faulted"), a.calls);
        g.ownFault("B", true, "script chk");
        g.ownFault("A", false, null);
        assertEquals("fault true: sync group G: B is faulted", b.calls.get(b.calls.size() - 1), "B still faulted");
        g.ownFault("B", false, null);
        assertEquals("fault false: sync group G: no member faulted", a.calls.get(a.calls.size() - 1));
    }

    @Test
    void aFaultedMemberIsNotPulledToMaster() {
        SyncGroup g = new SyncGroup("G", NotifyScripts.NONE);
        FakeMember a = new FakeMember("A");
        FakeMember b = new FakeMember("B");
        g.join(a);
        g.join(b);
        g.memberChanged("B", VrrpState.FAULT);
        g.memberChanged("A", VrrpState.MASTER);
        assertEquals(List.of(), b.calls);
    }

    /** Records the group's lines and the members' (as the runtime sends them: if memberNotifies says so). */
    static final class Told implements VrrpNotifications {
        final List<String> lines = new ArrayList<>();

        @Override
        public synchronized void group(String group, VrrpState state) {
            lines.add("GROUP " + group + " " + state);
        }

        /** A member's transition as VrrpInstanceRuntime tells it: its notifies (none for INIT) if the group admits them, then the group. */
        synchronized void member(SyncGroup g, String member, VrrpState to) {
            if (to != VrrpState.INIT && g.memberNotifies(member, to)) {
                lines.add("INSTANCE " + member + " " + to);
            }
            g.memberChanged(member, to);
        }
    }

    private static SyncGroup groupOfTwo(Told told) {
        SyncGroup g = new SyncGroup("G", NotifyScripts.NONE);
        g.notifications(told);
        g.join(new FakeMember("A"));
        g.join(new FakeMember("B"));
        return g;
    }

    @Test
    void aGroupStartingInBackupIsToldBeforeItsMembersAsKeepalivedsInitState() {
        Told told = new Told();
        SyncGroup g = groupOfTwo(told);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        // vrrp_init_state: send_group_notifies first, then each member's first notifies (notifies_sent false)
        assertEquals(List.of("GROUP G BACKUP", "INSTANCE A BACKUP", "INSTANCE B BACKUP"), told.lines);
    }

    @Test
    void theMembersAGroupChangeMovesSendTheirsBeforeTheGroupsAsVrrpSyncMaster() {
        Told told = new Told();
        SyncGroup g = groupOfTwo(told);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        told.lines.clear();
        told.member(g, "A", VrrpState.MASTER);
        assertEquals(List.of("INSTANCE A MASTER"), told.lines, "the group's line waits for B, whom it moves");
        told.member(g, "B", VrrpState.MASTER);
        // vrrp_sync_master: B goes master (its notifies: the group is not MASTER yet), then the group
        assertEquals(List.of("INSTANCE A MASTER", "INSTANCE B MASTER", "GROUP G MASTER"), told.lines);
        told.lines.clear();
        told.member(g, "B", VrrpState.BACKUP);
        told.member(g, "A", VrrpState.BACKUP);
        assertEquals(List.of("INSTANCE B BACKUP", "INSTANCE A BACKUP", "GROUP G BACKUP"), told.lines);
    }

    @Test
    void aMemberEnteringOnItsOwnTheStateItsGroupIsInSendsNothingAsSendInstanceNotifies() {
        Told told = new Told();
        SyncGroup g = groupOfTwo(told);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        told.member(g, "A", VrrpState.MASTER);
        told.member(g, "B", VrrpState.MASTER);
        told.lines.clear();
        // B leaves MASTER for INIT (a restart of its loop) and comes back: the group is MASTER already
        told.member(g, "B", VrrpState.INIT);
        told.member(g, "B", VrrpState.MASTER);
        assertEquals(List.of(), told.lines, "notifies_sent && state == sync->state: skipped");
        assertEquals(true, g.memberNotifies("B", VrrpState.BACKUP), "a state the group is not in is told");
    }

    @Test
    void leavingFaultTheMembersNotOwnFaultedFollowAndSendTheirsFirstAsVrrpSyncBackup() {
        Told told = new Told();
        SyncGroup g = groupOfTwo(told);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        g.ownFault("A", true, "interface e1 is down");
        told.member(g, "A", VrrpState.FAULT);
        told.member(g, "B", VrrpState.FAULT);
        g.ownFault("A", false, null);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        assertEquals(
                List.of(
                        "GROUP G BACKUP",
                        "INSTANCE A BACKUP",
                        "INSTANCE B BACKUP",
                        "INSTANCE A FAULT",
                        "INSTANCE B FAULT",
                        "GROUP G FAULT",
                        "INSTANCE A BACKUP",
                        "INSTANCE B BACKUP",
                        "GROUP G BACKUP"),
                told.lines);
    }

    @Test
    void aMemberThatDoesNotFollowHoldsTheGroupsLineOnlyForTheBound() throws Exception {
        Told told = new Told();
        SyncGroup g = groupOfTwo(told);
        told.member(g, "A", VrrpState.BACKUP);
        told.member(g, "B", VrrpState.BACKUP);
        told.lines.clear();
        told.member(g, "A", VrrpState.MASTER);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < deadline) {
            synchronized (told) {
                if (told.lines.size() == 2) {
                    break;
                }
            }
            Thread.sleep(20);
        }
        synchronized (told) {
            assertEquals(List.of("INSTANCE A MASTER", "GROUP G MASTER"), told.lines);
        }
    }
}
