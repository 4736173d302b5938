package org.hadirector.ipvs.kernel;

/** A reply from the kernel's IPVS family that does not read as ip_vs.h describes it. */
public final class IpvsGenlException extends Exception {
    public IpvsGenlException(String message) {
        super(message);
    }
}
