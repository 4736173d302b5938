package org.hadirector.director;

import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLException;

import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ProbeIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The health-check part of the daemon (-C): the checkers' shared I/O and the service running
 * them. Until the DR table exists (issue 5) its events are logged and shown by `hadirector
 * status`, and nothing is programmed; it says so when it starts.
 */
final class Checks implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Checks.class);
    /** Checks allowed in flight at once: far above a loaded director's need, far below the fd limit. */
    static final int MAX_IN_FLIGHT = 2048;

    private final ProbeIo io;
    private final HealthCheckService service;

    private Checks(ProbeIo io, HealthCheckService service) {
        this.io = io;
        this.service = service;
    }

    static Checks start(KeepalivedConfig c) throws SSLException {
        ProbeIo io = new ProbeIo(1, CheckerConfigMapper.clientCertificate(c));
        try {
            HealthCheckService s = new HealthCheckService(CheckerConfigMapper.map(c), io, e -> { }, MAX_IN_FLIGHT);
            for (var vs : c.virtualServers()) {
                if (vs.haSuspend()) {
                    LOG.warn("{}: ha_suspend is not honoured yet: checks run whether or not the address is local",
                            vs.displayName());
                }
            }
            LOG.warn("the daemon does not run the DR table yet: health events are logged and shown by 'hadirector status', "
                    + "not applied to a forwarding table");
            s.start();
            return new Checks(io, s);
        } catch (RuntimeException e) {
            io.close();
            throw e;
        }
    }

    /** The checkers' status, or null when the loop does not answer within {@code timeoutMillis}. */
    HealthStatus status(long timeoutMillis) {
        try {
            return service.status().get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    @Override
    public void close() {
        service.close();
        io.close();
    }
}
