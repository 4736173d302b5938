package org.hadirector.conf.model;

/** DNS_CHECK: a query of {@code queryType} for {@code name} over UDP must be answered. */
public record DnsCheck(CheckerEndpoint endpoint, CheckerTiming timing, String queryType, String name)
        implements Checker {

    @Override
    public String type() {
        return "DNS_CHECK";
    }
}
