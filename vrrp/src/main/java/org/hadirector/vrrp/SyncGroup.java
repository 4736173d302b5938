package org.hadirector.vrrp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A vrrp_sync_group: its members move together, as keepalived does it. When one becomes MASTER
 * the others are made MASTER, when one becomes BACKUP the others are made BACKUP, and while any
 * member is faulted by its own trackers every member is in FAULT. Members run on their own
 * threads; they report here and receive {@link Member} calls, which they must run on their own
 * thread (the runtime queues them). The group's notify scripts run when the group's state changes,
 * after those of the members the change moves (keepalived's order); a member entering the state
 * its group already is in on its own sends no notifies ({@link #memberNotifies}).
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
    /** Members that have sent notifies (keepalived's notifies_sent). */
    private final Set<String> notified = new HashSet<>();
    /** Members the last change of the group's state moves along: theirs go before the group's. */
    private final Set<String> pulled = new HashSet<>();
    /** The group's state whose notifies wait for {@link #pulled}; null when none waits. */
    private VrrpState pending;

    private long pendingGeneration;
    /** How long the group's notifies wait for the members it moves (they follow within milliseconds). */
    static final long PENDING_BOUND_MILLIS = 1000;
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

    /**
     * Before a member's notifies for its new state {@code to}: whether they go. keepalived's
     * send_instance_notifies skips them when the member has sent notifies before and its group
     * already is in that state; the members a group change moves send theirs, before the group's,
     * as keepalived's vrrp_sync_master / _backup / _fault move them before setting the group's
     * state. A group that starts in BACKUP tells so before its first member does (vrrp_init_state).
     */
    public boolean memberNotifies(String member, VrrpState to) {
        synchronized (this) {
            if (groupState == VrrpState.INIT && to == VrrpState.BACKUP) {
                groupState = VrrpState.BACKUP;
                // under the lock: another member starting at once writes its line after the group's
                fire(VrrpState.BACKUP);
            }
            boolean send = !(notified.contains(member) && groupState == to && !pulled.contains(member));
            if (send) {
                notified.add(member);
            }
            return send;
        }
    }

    /** A member changed state on its own account (or because the group asked). */
    public void memberChanged(String member, VrrpState to) {
        List<Runnable> calls = new ArrayList<>();
        List<VrrpState> notify = new ArrayList<>();
        long timer = -1;
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
            boolean wasPulled = pulled.remove(member);
            if (to != groupState && (to == VrrpState.MASTER || to == VrrpState.BACKUP || to == VrrpState.FAULT)) {
                if (pending != null) {
                    notify.add(pending); // told before the change that supersedes it
                    pending = null;
                }
                groupState = to;
                pulled.clear();
                for (Member m : members.values()) {
                    VrrpState st = states.get(m.name());
                    boolean follows = st == VrrpState.MASTER
                            || st == VrrpState.BACKUP
                            || (st == VrrpState.FAULT && !Boolean.TRUE.equals(ownFault.get(m.name())))
                            // starting in FAULT: keepalived faults every member before the group's line
                            || (st == VrrpState.INIT && to == VrrpState.FAULT);
                    if (!m.name().equals(member) && follows && st != to) {
                        pulled.add(m.name());
                    }
                }
                if (pulled.isEmpty()) {
                    notify.add(to);
                } else {
                    pending = to;
                    timer = ++pendingGeneration;
                }
            } else if (wasPulled && pending != null && pulled.isEmpty()) {
                notify.add(pending);
                pending = null;
            }
        }
        calls.forEach(Runnable::run);
        notify.forEach(this::fire);
        if (timer >= 0) {
            long generation = timer;
            CompletableFuture.delayedExecutor(PENDING_BOUND_MILLIS, TimeUnit.MILLISECONDS)
                    .execute(() -> flushStale(generation));
        }
    }

    /**
     * A member asked to follow did not report within the bound (stuck, or kept where it was by
     * something the group does not see): the group's notifies go without waiting longer.
     */
    private void flushStale(long generation) {
        VrrpState s;
        synchronized (this) {
            if (pending == null || pendingGeneration != generation) {
                return;
            }
            s = pending;
            pending = null;
            pulled.clear();
        }
        fire(s);
    }

    /** The group's notifies, as keepalived's send_group_notifies: its scripts, then the FIFO line and mail. */
    private void fire(VrrpState state) {
        if (notifyScripts != null) {
            notifyScripts.runForGroup(name, state);
        }
        notifications.group(name, state);
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
