package org.hadirector.conf.model;

/** UDP_CHECK: payload and require_reply are keepalived hex strings (sys/HexPattern), as written. */
public record UdpCheck(
        CheckerEndpoint endpoint,
        CheckerTiming timing,
        String payload,
        boolean requireReply,
        String replyPattern,
        int minReplyLength,
        int maxReplyLength)
        implements Checker {

    @Override
    public String type() {
        return "UDP_CHECK";
    }
}
