package org.hadirector.ipvs;

/**
 * One change to a dataplane's table, as ipvsadm would make it (-A / -E / -D, -a / -e / -d).
 * The reason is for the log: which event or config change asked for it.
 */
public sealed interface TableOp {

    String reason();

    /** One line for the log: "add 198.18.0.21:80 weight 1 to TCP  198.18.0.100:80 (reason)". */
    default String describe() {
        TableOp op = this;
        if (op instanceof TableOp.AddService a) {
            VirtualService s = a.service();
            return "add service " + s.key() + " " + s.scheduler()
                    + (s.persistent() ? " persistent " + s.persistenceTimeout() : "") + " (" + op.reason() + ")";
        }
        if (op instanceof TableOp.EditService e) {
            return "edit service " + e.service().key() + " " + e.service().scheduler() + " (" + op.reason() + ")";
        }
        if (op instanceof TableOp.DeleteService d) {
            return "delete service " + d.key() + " (" + op.reason() + ")";
        }
        if (op instanceof TableOp.AddDestination a) {
            return "add " + a.destination().endpoint() + " weight "
                    + a.destination().weight() + " to " + a.service() + " (" + op.reason() + ")";
        }
        if (op instanceof TableOp.EditDestination e) {
            return "set " + e.destination().endpoint() + " weight "
                    + e.destination().weight() + " in " + e.service() + " (" + op.reason() + ")";
        }
        TableOp.DeleteDestination d = (TableOp.DeleteDestination) op;
        return "remove " + d.destination() + " from " + d.service() + " (" + op.reason() + ")";
    }

    record AddService(VirtualService service, String reason) implements TableOp {}

    record EditService(VirtualService service, String reason) implements TableOp {}

    record DeleteService(ServiceKey key, String reason) implements TableOp {}

    record AddDestination(ServiceKey service, Destination destination, String reason) implements TableOp {}

    record EditDestination(ServiceKey service, Destination destination, String reason) implements TableOp {}

    record DeleteDestination(ServiceKey service, Endpoint destination, String reason) implements TableOp {}
}
