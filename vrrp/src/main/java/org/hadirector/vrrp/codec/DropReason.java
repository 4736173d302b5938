package org.hadirector.vrrp.codec;

/** Why a received packet was not given to the state machine; each is counted and logged. */
public enum DropReason {
    TOO_SHORT("shorter than a VRRP header"),
    BAD_VERSION("version is not 2 or 3"),
    BAD_TYPE("type is not ADVERTISEMENT (1)"),
    BAD_LENGTH("length does not match the address count"),
    BAD_CHECKSUM("checksum mismatch"),
    BAD_TTL("TTL / hop limit is not 255"),
    WRONG_VERSION("VRRP version differs from the instance's"),
    WRONG_VRID("VRID of another virtual router"),
    AUTH_TYPE_MISMATCH("authentication type differs from the instance's"),
    AUTH_MISMATCH("authentication data differs from the instance's"),
    INTERVAL_MISMATCH("advertisement interval differs from the instance's (VRRPv2)"),
    ADDRESS_MISMATCH("address list differs from the instance's virtual addresses"),
    NOT_A_PEER("source is not a configured unicast peer"),
    OWN_PACKET("our own advertisement looped back"),
    BAD_ADDRESS_FAMILY("address family differs from the instance's");

    private final String description;

    DropReason(String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
