package org.hadirector.conf.model;

import java.util.List;

/** A url block of HTTP_GET / SSL_GET. */
public record HttpUrl(
        String path,
        String digest,
        List<StatusRange> statusCodes,
        String virtualhost,
        String regex,
        boolean regexNoMatch) {}
