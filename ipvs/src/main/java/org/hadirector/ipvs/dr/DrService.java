package org.hadirector.ipvs.dr;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hadirector.ipvs.Endpoint;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.VirtualService;
import org.hadirector.ipvs.sched.Backend;
import org.hadirector.ipvs.sched.Scheduler;

/** A virtual service in the forwarder: its real servers in the order added, scheduler, counters. */
final class DrService {
    VirtualService service;
    final int protocol;
    /** The address as {@link Ip128} holds it. */
    final long addressHi;

    final long addressLo;
    /** An IPv4 service's address as an int (what takes IPv4 services only reads it). */
    final int address;

    final int port;
    Scheduler scheduler;
    final Map<Endpoint, DrRealServer> servers = new LinkedHashMap<>();
    final Map<Backend, DrRealServer> byBackend = new IdentityHashMap<>();
    long connections;
    long packets;
    long bytes;
    final RateEstimator rates = new RateEstimator();
    /** Counts the scheduler's updates: a fast path that mirrors its table rewrites it when this moves. */
    long schedulings;

    DrService(VirtualService service, Scheduler scheduler) {
        this.service = service;
        this.protocol = service.key().protocol().number();
        this.addressHi = Ip128.hi(service.key().address());
        this.addressLo = Ip128.lo(service.key().address());
        this.address = (int) addressLo; // IPv4's, for what takes IPv4 services only
        this.port = service.key().port();
        this.scheduler = scheduler;
    }

    void rescheduled() {
        List<Backend> list = new ArrayList<>(servers.size());
        for (DrRealServer s : servers.values()) {
            list.add(s.backend);
        }
        scheduler.update(list);
        schedulings++;
    }

    Stats stats() {
        return new Stats(connections, packets, 0, bytes, 0, rates.cps(), rates.inPps(), 0, rates.inBps(), 0);
    }
}
