package org.hadirector.director;

import java.util.List;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.IpvsadmFormat;
import org.hadirector.ipvs.ListingHeader;

/**
 * What `ipvs -L -n [--stats|--rate|--tun-info|-c]` asks for, read the same way by the command line and by
 * the control socket, and the listing of a dataplane in ipvsadm's format.
 */
record IpvsListing(IpvsadmFormat.Mode mode, boolean connections, boolean list) {

    /** The options; throws IllegalArgumentException naming the first one not understood. */
    static IpvsListing parse(List<String> options) {
        IpvsadmFormat.Mode mode = IpvsadmFormat.Mode.PLAIN;
        boolean connections = false;
        boolean list = false;
        boolean tunInfo = false;
        for (String a : options) {
            switch (a) {
                case "-L", "-l", "--list", "-Ln", "-nL" -> list = true;
                case "-n", "--numeric" -> {}
                case "--stats" -> mode = IpvsadmFormat.Mode.STATS;
                case "--rate" -> mode = IpvsadmFormat.Mode.RATE;
                case "--tun-info" -> tunInfo = true;
                case "-c", "--connection", "-Lnc", "-Lc" -> {
                    connections = true;
                    list = true;
                }
                default -> throw new IllegalArgumentException("unknown option '" + ControlCommands.shown(a) + "'");
            }
        }
        // as ipvsadm: --stats and --rate win over --tun-info
        if (tunInfo && mode == IpvsadmFormat.Mode.PLAIN) {
            mode = IpvsadmFormat.Mode.TUN_INFO;
        }
        return new IpvsListing(mode, connections, list);
    }

    /**
     * The table's listing (not the connections', which {@link ConnectionListing} streams); call
     * it where the dataplane may be used (the table thread). A dataplane that is not the
     * kernel's prints the kernel's default header (see {@link ListingHeader}).
     */
    String table(Dataplane d) throws DataplaneException {
        ListingHeader header = d.listingHeader();
        return IpvsadmFormat.table(d.dump(), mode, header.version(), header.connectionTableSize());
    }
}
