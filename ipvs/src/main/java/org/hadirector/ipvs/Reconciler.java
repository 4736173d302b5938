package org.hadirector.ipvs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The fewest operations that turn an actual table into a desired one. Pure and idempotent:
 * reconciling a table with itself gives no operation. Order matters to a dataplane that checks
 * references: services are added or edited first, then destinations are deleted, edited and
 * added, and services that are no longer wanted go last (deleting a service drops its
 * destinations with it, so they get no operation of their own).
 */
public final class Reconciler {

    private Reconciler() {}

    /** Why an operation is made, for its log line: per service, and per destination (null for the service's own). */
    @FunctionalInterface
    public interface Reasons {
        String of(ServiceKey service, Endpoint destination);
    }

    /** The operations, each with the one {@code reason}. */
    public static List<TableOp> diff(ServiceTable desired, ServiceTable actual, String reason) {
        return diff(desired, actual, (s, d) -> reason);
    }

    /** The operations, each with its own reason (a destination's: the check that moved it). */
    public static List<TableOp> diff(ServiceTable desired, ServiceTable actual, Reasons why) {
        List<TableOp> services = new ArrayList<>();
        List<TableOp> deletes = new ArrayList<>();
        List<TableOp> edits = new ArrayList<>();
        List<TableOp> adds = new ArrayList<>();
        List<TableOp> gone = new ArrayList<>();
        for (ServiceTable.Entry want : desired.entries().values()) {
            VirtualService s = want.service();
            ServiceTable.Entry have = actual.get(s.key());
            Map<Endpoint, Destination> haveDests = have == null ? Map.of() : have.destinations();
            if (have == null) {
                services.add(new TableOp.AddService(s, why.of(s.key(), null)));
            } else if (!have.service().equals(s)) {
                services.add(new TableOp.EditService(s, why.of(s.key(), null)));
            }
            for (Destination d : haveDests.values()) {
                if (!want.destinations().containsKey(d.endpoint())) {
                    deletes.add(new TableOp.DeleteDestination(s.key(), d.endpoint(), why.of(s.key(), d.endpoint())));
                }
            }
            for (Destination d : want.destinations().values()) {
                Destination current = haveDests.get(d.endpoint());
                if (current == null) {
                    adds.add(new TableOp.AddDestination(s.key(), d, why.of(s.key(), d.endpoint())));
                } else if (!current.equals(d)) {
                    edits.add(new TableOp.EditDestination(s.key(), d, why.of(s.key(), d.endpoint())));
                }
            }
        }
        for (ServiceTable.Entry have : actual.entries().values()) {
            if (desired.get(have.service().key()) == null) {
                gone.add(new TableOp.DeleteService(
                        have.service().key(), why.of(have.service().key(), null)));
            }
        }
        List<TableOp> ops =
                new ArrayList<>(services.size() + deletes.size() + edits.size() + adds.size() + gone.size());
        ops.addAll(services);
        ops.addAll(deletes);
        ops.addAll(edits);
        ops.addAll(adds);
        ops.addAll(gone);
        return ops;
    }

    /** The table after one operation: what a dataplane that accepted it now holds. */
    public static ServiceTable apply(ServiceTable table, TableOp op) {
        if (op instanceof TableOp.AddService a) {
            if (table.get(a.service().key()) != null) {
                throw new IllegalArgumentException("service " + a.service().key() + " exists");
            }
            return table.withService(a.service(), List.of());
        }
        if (op instanceof TableOp.EditService e) {
            ServiceTable.Entry have = existing(table, e.service().key());
            return table.withService(e.service(), have.destinationList());
        }
        if (op instanceof TableOp.DeleteService d) {
            existing(table, d.key());
            return table.without(d.key());
        }
        if (op instanceof TableOp.AddDestination a) {
            ServiceTable.Entry have = existing(table, a.service());
            if (have.destinations().containsKey(a.destination().endpoint())) {
                throw new IllegalArgumentException(
                        "real server " + a.destination().endpoint() + " exists in " + a.service());
            }
            List<Destination> dests = new ArrayList<>(have.destinations().values());
            dests.add(a.destination());
            return table.withService(have.service(), dests);
        }
        if (op instanceof TableOp.EditDestination e) {
            ServiceTable.Entry have = existing(table, e.service());
            if (!have.destinations().containsKey(e.destination().endpoint())) {
                throw new IllegalArgumentException(
                        "no real server " + e.destination().endpoint() + " in " + e.service());
            }
            List<Destination> dests = new ArrayList<>();
            for (Destination d : have.destinations().values()) {
                dests.add(d.endpoint().equals(e.destination().endpoint()) ? e.destination() : d);
            }
            return table.withService(have.service(), dests);
        }
        TableOp.DeleteDestination d = (TableOp.DeleteDestination) op;
        ServiceTable.Entry have = existing(table, d.service());
        if (!have.destinations().containsKey(d.destination())) {
            throw new IllegalArgumentException("no real server " + d.destination() + " in " + d.service());
        }
        List<Destination> dests = new ArrayList<>();
        for (Destination x : have.destinations().values()) {
            if (!x.endpoint().equals(d.destination())) {
                dests.add(x);
            }
        }
        return table.withService(have.service(), dests);
    }

    private static ServiceTable.Entry existing(ServiceTable table, ServiceKey key) {
        ServiceTable.Entry e = table.get(key);
        if (e == null) {
            throw new IllegalArgumentException("no service " + key);
        }
        return e;
    }
}
