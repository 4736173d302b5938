package org.hadirector.ipvs;

import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.kernel.KernelIpvs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and opens a dataplane, so that its users hold a {@link Dataplane} and its capabilities
 * and never name the kernel's or the userspace implementation.
 */
public final class Dataplanes {
    private static final Logger LOG = LoggerFactory.getLogger(Dataplanes.class);

    private Dataplanes() {}

    /**
     * Which table runs the services: auto = the kernel's IPVS when loaded, else the userspace
     * forwarder, with the XDP program beside it where the driver runs it and the interface is no
     * veth ({@link UserspaceDr.Xdp#WHERE_NATIVE}); xdp = the userspace forwarder with the XDP program
     * beside it, in generic mode where the driver has none.
     */
    public enum Choice {
        AUTO,
        KERNEL,
        USERSPACE,
        XDP
    }

    /**
     * The interface the userspace forwarder is to run on; asked only when it is chosen, as
     * working it out may fail where kernel IPVS would serve (fwmark services, no VIP yet).
     */
    @FunctionalInterface
    public interface ForwarderInterface {
        String name() throws DataplaneException;
    }

    /** True when this namespace's kernel has IPVS loaded. */
    public static boolean kernelAvailable() {
        return KernelIpvs.available();
    }

    /** The kernel's IPVS of this namespace, as ipvsadm reads and writes it. */
    public static Dataplane openKernel() throws DataplaneException {
        return KernelIpvs.open();
    }

    public static Dataplane open(Choice choice, ForwarderInterface forwarderInterface) throws DataplaneException {
        if (choice == Choice.AUTO) {
            if (kernelAvailable()) {
                LOG.info("dataplane: the kernel's IPVS (auto: loaded in this namespace)");
                return openKernel();
            }
            LOG.info("dataplane: the userspace forwarder (auto: no IPVS in this namespace's kernel)");
        }
        if (choice == Choice.KERNEL) {
            return openKernel();
        }
        UserspaceDr.Xdp xdp = switch (choice) {
            case XDP -> UserspaceDr.Xdp.ON;
            case AUTO -> UserspaceDr.Xdp.WHERE_NATIVE;
            default -> UserspaceDr.Xdp.OFF;
        };
        return UserspaceDr.open(
                UserspaceDr.Settings.of(forwarderInterface.name()).withXdp(xdp));
    }
}
