package org.hadirector.conf.model;

/** TCP_CHECK: a connection that completes is a success. */
public record TcpCheck(CheckerEndpoint endpoint, CheckerTiming timing) implements Checker {

    @Override
    public String type() {
        return "TCP_CHECK";
    }
}
