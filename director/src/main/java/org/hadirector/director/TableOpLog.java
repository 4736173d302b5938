package org.hadirector.director;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.ipvs.ServiceKey;
import org.hadirector.ipvs.TableOp;

/**
 * The log lines for a pass of table operations. A pass of a few operations (a real server that
 * failed, a reload) gets one line each, with its reason. A large one (the first table after a
 * start: every real server of every service at once, 11,000 in the check benchmark) gets one line
 * per service, kind of change and reason, "add 100 real server(s) to TCP 198.18.0.100:80
 * (start)": thousands of lines at once would overflow the log's queue and drop the lines around
 * them, VRRP's first transitions among them. Each operation is still logged at DEBUG.
 */
final class TableOpLog {
    /** Passes up to this size are logged an operation a line. */
    static final int ONE_LINE_EACH = 32;

    private TableOpLog() {}

    static List<String> lines(List<TableOp> ops) {
        List<String> out = new ArrayList<>();
        if (ops.size() <= ONE_LINE_EACH) {
            ops.forEach(op -> out.add(op.describe()));
            return out;
        }
        Map<Group, List<TableOp>> groups = new LinkedHashMap<>();
        for (TableOp op : ops) {
            groups.computeIfAbsent(Group.of(op), g -> new ArrayList<>()).add(op);
        }
        groups.forEach((g, members) ->
                out.add(members.size() == 1 || g.verb == null ? describeEach(members) : g.describe(members.size())));
        return out;
    }

    private static String describeEach(List<TableOp> ops) {
        StringBuilder sb = new StringBuilder();
        for (TableOp op : ops) {
            sb.append(sb.isEmpty() ? "" : "; ").append(op.describe());
        }
        return sb.toString();
    }

    /** Real-server operations of one kind on one service for one reason; a service operation alone. */
    private record Group(String verb, String preposition, ServiceKey service, Object single, String reason) {
        static Group of(TableOp op) {
            if (op instanceof TableOp.AddDestination a) {
                return new Group("add", "to", a.service(), null, op.reason());
            }
            if (op instanceof TableOp.EditDestination e) {
                return new Group("set the weight of", "in", e.service(), null, op.reason());
            }
            if (op instanceof TableOp.DeleteDestination d) {
                return new Group("remove", "from", d.service(), null, op.reason());
            }
            return new Group(null, null, null, op, op.reason()); // a service's own change: a line of its own
        }

        String describe(int n) {
            return verb + " " + n + " real server(s) " + preposition + " " + service + " (" + reason + ")";
        }
    }
}
