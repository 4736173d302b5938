package org.hadirector.director.bird;

import java.util.ArrayList;
import java.util.List;

/** One network of a {@code show route} reply and the table it is in (master4, master6...). */
public record BirdRoute(String table, String network) {
    static final int ROWS = 1007;

    /**
     * The networks of a {@code show route} reply, each once (a network with several routes, an
     * ECMP router's, lists the others on lines that start with blanks; a route's attributes and
     * next hops on lines that start with a tab). Only IP networks (ADDR/LEN) are taken.
     */
    public static List<BirdRoute> parseAll(BirdReply reply) {
        List<BirdRoute> out = new ArrayList<>();
        String table = "";
        for (String line : reply.texts(ROWS)) {
            if (line.isEmpty() || Character.isWhitespace(line.charAt(0))) {
                continue;
            }
            if (line.startsWith("Table ") && line.endsWith(":")) {
                table = line.substring(6, line.length() - 1);
                continue;
            }
            String first = line.split("\\s+", 2)[0];
            if (isIpNetwork(first)) {
                out.add(new BirdRoute(table, first));
            }
        }
        return out;
    }

    static boolean isIpNetwork(String s) {
        int slash = s.indexOf('/');
        if (slash <= 0 || slash == s.length() - 1) {
            return false;
        }
        for (int i = slash + 1; i < s.length(); i++) {
            if (!Character.isDigit(s.charAt(i))) {
                return false;
            }
        }
        for (int i = 0; i < slash; i++) {
            char c = s.charAt(i);
            if (!(Character.isDigit(c) || c == '.' || c == ':' || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }
}
