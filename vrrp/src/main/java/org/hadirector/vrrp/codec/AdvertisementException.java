package org.hadirector.vrrp.codec;

/** A packet that is not a valid advertisement: the reason (for counters) and a detail (for the log). */
public final class AdvertisementException extends Exception {
    private static final long serialVersionUID = 1L;

    private final DropReason reason;

    public AdvertisementException(DropReason reason, String detail) {
        super(reason.description() + ": " + detail, null, false, false);
        this.reason = reason;
    }

    public DropReason reason() {
        return reason;
    }
}
