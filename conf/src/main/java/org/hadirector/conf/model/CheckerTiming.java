package org.hadirector.conf.model;

import java.time.Duration;

/**
 * keepalived's checker timing, resolved through checker -> real_server -> virtual_server ->
 * the checker type's default.
 */
public record CheckerTiming(
        Duration connectTimeout,
        int retry,
        Duration delayBeforeRetry,
        Duration delayLoop,
        Duration warmup,
        boolean alpha,
        boolean logAllFailures) {}
