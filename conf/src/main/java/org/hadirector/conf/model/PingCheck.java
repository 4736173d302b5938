package org.hadirector.conf.model;

/** PING_CHECK (parsed; the runtime refuses it until built). */
public record PingCheck(CheckerEndpoint endpoint, CheckerTiming timing) implements Checker {

    @Override
    public String type() {
        return "PING_CHECK";
    }
}
