package org.hadirector.conf.model;

/** UDP_CHECK (parsed; the runtime refuses it until built). */
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
