package org.hadirector.ipvs;

import org.hadirector.ipvs.dr.UserspaceDr;
import org.hadirector.ipvs.kernel.KernelIpvs;

/**
 * Chooses and opens a dataplane, so that its users hold a {@link Dataplane} and its capabilities
 * and never name the kernel's or the userspace implementation.
 */
public final class Dataplanes {
    private Dataplanes() {}

    /**
     * Which table runs the services: auto = the kernel's IPVS when loaded, else the userspace
     * forwarder; xdp = the userspace forwarder with the XDP program beside it (issue 17: auto does
     * not choose it yet).
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
        boolean kernel = choice == Choice.KERNEL || choice == Choice.AUTO && kernelAvailable();
        if (kernel) {
            return openKernel();
        }
        return UserspaceDr.open(
                UserspaceDr.Settings.of(forwarderInterface.name()).withXdp(choice == Choice.XDP));
    }
}
