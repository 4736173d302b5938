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
}
