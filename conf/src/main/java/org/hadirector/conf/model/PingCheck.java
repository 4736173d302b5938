package org.hadirector.conf.model;

/** PING_CHECK: connect_ip (else the real server) is pinged; it has no port, and keepalived's binds nothing. */
public record PingCheck(CheckerEndpoint endpoint, CheckerTiming timing) implements Checker {

    @Override
    public String type() {
        return "PING_CHECK";
    }
}
