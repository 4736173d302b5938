package org.hadirector.director.bird;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code show protocols}: name, kind (BGP, Direct, Kernel, Device...), table, state
 * (up, start, down, flush), since, and info (for BGP its session state: Established, Active,
 * Connect, OpenSent..., then the last error, e.g. "Socket: Connection refused").
 */
public record BirdProtocol(String name, String proto, String table, String state, String since, String info) {
    static final int ROW = 1002;

    /**
     * A BGP protocol is up exactly when its session is Established (BIRD's proto_state for BGP),
     * so the test uses the state column, not the info text.
     */
    public boolean established() {
        return "BGP".equals(proto) && "up".equals(state);
    }

    public boolean isBgp() {
        return "BGP".equals(proto);
    }

    /**
     * The rows of a {@code show protocols} reply. Columns are split on blanks (BIRD pads them
     * but a long name shifts them); "since" is one token with BIRD's default time format (a
     * {@code timeformat protocol} with a blank in it would put its second half into info, which
     * nothing here reads for a decision). A row with fewer than four columns is refused.
     */
    public static List<BirdProtocol> parseAll(BirdReply reply) throws BirdException {
        List<BirdProtocol> out = new ArrayList<>();
        for (String row : reply.texts(ROW)) {
            String[] t = row.strip().split("\\s+", 6);
            if (t.length < 4) {
                throw new BirdException(-1, "BIRD protocol row with fewer than 4 columns: '" + row.strip() + "'");
            }
            out.add(new BirdProtocol(
                    t[0], t[1], t[2], t[3], t.length > 4 ? t[4] : "", t.length > 5 ? t[5].strip() : ""));
        }
        return out;
    }
}
