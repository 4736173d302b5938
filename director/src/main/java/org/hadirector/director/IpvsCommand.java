package org.hadirector.director;

import java.io.PrintStream;
import java.util.List;
import org.hadirector.ipvs.Dataplane;
import org.hadirector.ipvs.DataplaneException;
import org.hadirector.ipvs.Dataplanes;

/**
 * {@code hadirector ipvs -L -n [--stats|--rate|-c]}: the table in ipvsadm's format. The running
 * daemon answers over the control socket (the userspace forwarder's table lives only there);
 * without a daemon, a kernel with IPVS is read directly, as ipvsadm reads it.
 */
final class IpvsCommand {
    private IpvsCommand() {}

    static int run(List<String> args, java.nio.file.Path control, PrintStream out, PrintStream err) {
        IpvsListing listing;
        try {
            listing = IpvsListing.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("hadirector ipvs: " + e.getMessage() + " (usage: hadirector ipvs -L -n [--stats|--rate|-c])");
            return 1;
        }
        if (!listing.list()) {
            err.println("hadirector ipvs: only listing is supported: hadirector ipvs -L -n [--stats|--rate|-c]");
            return 1;
        }
        String daemonError;
        try {
            // Copied as it arrives: a connection listing may be as long as a table of millions.
            ControlServer.Copied answer = ControlServer.copy(control, "ipvs " + String.join(" ", args), out);
            if (answer.error() == null) {
                if (answer.brokenOff() != null) {
                    err.println("hadirector ipvs: the listing is incomplete: " + answer.brokenOff());
                    return 1;
                }
                return 0;
            }
            daemonError = answer.error().strip();
        } catch (java.io.IOException e) {
            daemonError = "no daemon at " + control + " (" + e.getMessage() + ")";
        }
        if (!Dataplanes.kernelAvailable()) {
            err.println("hadirector ipvs: " + daemonError + "; and this kernel has no IPVS (/proc/net/ip_vs is absent) "
                    + "to read directly");
            return 1;
        }
        try (Dataplane k = Dataplanes.openKernel()) {
            if (listing.connections()) {
                new ConnectionListing(k.connections(ConnectionListing.PAGE)).print(out);
            } else {
                out.print(listing.table(k));
            }
            return 0;
        } catch (DataplaneException e) {
            err.println("hadirector ipvs: " + e.getMessage());
            return 1;
        }
    }
}
