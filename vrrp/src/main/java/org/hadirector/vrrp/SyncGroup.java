package org.hadirector.vrrp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A vrrp_sync_group: its members move together, as keepalived does it. When one becomes MASTER
 * the others are made MASTER, when one becomes BACKUP the others are made BACKUP, and while any
 * member is faulted by its own trackers every member is in FAULT. Members run on their own
 * threads; they report here and receive {@link Member} calls, which they must run on their own
 * thread (the runtime queues them). The group's notify scripts run when the group's state changes.
 */
public final class SyncGroup {

    /** What the group asks of a member; implementations hand the call to the member's thread. */
    public interface Member {
        String name();

        void syncTo(VrrpState state, String reason);

        void groupFault(boolean fault, String reason);
    }

    private final String name;
    private final NotifyScripts notifyScripts;
    private final Map<String, Member> members = new LinkedHashMap<>();
    private final Map<String, Boolean> ownFault = new LinkedHashMap<>();
    private final Map<String, VrrpState> states = new LinkedHashMap<>();
    private VrrpState groupState = VrrpState.INIT;
    /** The notify FIFOs' events; set before the members start. */
    private volatile VrrpNotifications notifications = VrrpNotifications.NONE;

    public SyncGroup(String name, NotifyScripts notifyScripts) {
        this.name = name;
        this.notifyScripts = notifyScripts;
    }

    public String name() {
        return name;
    }

    /** Told of each change of the group's state (where its notify scripts run); call before the members start. */
    public void notifications(VrrpNotifications n) {
        this.notifications = n;
    }

    public synchronized void join(Member m) {
        members.put(m.name(), m);
        ownFault.put(m.name(), false);
        states.put(m.name(), VrrpState.INIT);
    }

    /** A member changed state on its own account (or because the group asked). */
    public void memberChanged(String member, VrrpState to) {
        List<Runnable> calls = new ArrayList<>();
        boolean notify;
        synchronized (this) {
            states.put(member, to);
            if (to == VrrpState.MASTER || to == VrrpState.BACKUP) {
                for (Member m : members.values()) {
                    VrrpState st = states.get(m.name());
                    if (!m.name().equals(member) && (st == VrrpState.MASTER || st == VrrpState.BACKUP) && st != to) {
                        calls.add(() -> m.syncTo(to, "sync group " + name + ": " + member + " is " + to));
                    }
                }
            }
            notify = to != groupState && (to == VrrpState.MASTER || to == VrrpState.BACKUP || to == VrrpState.FAULT);
            if (notify) {
                groupState = to;
            }
        }
        calls.forEach(Runnable::run);
        if (notify && notifyScripts != null) {
            notifyScripts.runForGroup(name, to);
        }
        if (notify) {
            notifications.group(name, to);
        }
    }

    /** A member's own trackers say it is (not) faulted; every member follows the group's fault. */
    public void ownFault(String member, boolean fault, String reason) {
        List<Member> all;
        boolean any;
        synchronized (this) {
            ownFault.put(member, fault);
            any = ownFault.containsValue(true);
            all = List.copyOf(members.values());
        }
        String why = any ? "sync group " + name + ": " + firstFaulted() : "sync group " + name + ": no member faulted";
        for (Member m : all) {
            m.groupFault(any, why);
        }
    }

    private synchronized String firstFaulted() {
        return ownFault.entrySet().stream()
                .filter(Map.Entry::getValue)
                .map(e -> e.getKey() + " is faulted")
                .findFirst()
                .orElse("");
    }
}
