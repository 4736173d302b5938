package org.hadirector.conf.model;

import java.util.List;

/** HTTP_GET, or SSL_GET when {@code ssl}. */
public record HttpGetCheck(
        boolean ssl,
        CheckerEndpoint endpoint,
        CheckerTiming timing,
        String httpProtocol,
        boolean fastRecovery,
        boolean enableSni,
        String virtualhost,
        List<HttpUrl> urls)
        implements Checker {

    @Override
    public String type() {
        return ssl ? "SSL_GET" : "HTTP_GET";
    }
}
