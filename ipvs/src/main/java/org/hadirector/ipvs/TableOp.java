package org.hadirector.ipvs;

/**
 * One change to a dataplane's table, as ipvsadm would make it (-A / -E / -D, -a / -e / -d).
 * The reason is for the log: which event or config change asked for it.
 */
public sealed interface TableOp {

    String reason();

    record AddService(VirtualService service, String reason) implements TableOp {
    }

    record EditService(VirtualService service, String reason) implements TableOp {
    }

    record DeleteService(ServiceKey key, String reason) implements TableOp {
    }

    record AddDestination(ServiceKey service, Destination destination, String reason) implements TableOp {
    }

    record EditDestination(ServiceKey service, Destination destination, String reason) implements TableOp {
    }

    record DeleteDestination(ServiceKey service, Endpoint destination, String reason) implements TableOp {
    }
}
