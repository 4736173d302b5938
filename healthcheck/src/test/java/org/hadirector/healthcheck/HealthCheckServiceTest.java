package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The scheduler on a real event loop with scripted probes: retries, the concurrency bound, clean stop. */
class HealthCheckServiceTest {
    private static final long MS = 1_000_000L;
    private final EventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    static ServiceSpec service(int servers, int retry) {
        List<RealServerSpec> rs = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            CheckSpec c = new CheckSpec(
                    new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", 80 + i), null, 50 * MS),
                    new CheckTiming(50 * MS, retry, 10 * MS, 20 * MS, 0, false, false));
            rs.add(new RealServerSpec(RealServerId.parse("198.18.0.21:" + (80 + i)), 1, false, null, null, List.of(c)));
        }
        return new ServiceSpec(ServiceId.parse("TCP 198.18.0.100:80"), 0, 0, null, false, null, null, rs);
    }

    /** A probe whose answers the test gives; it counts runs and what is in flight. */
    static final class Scripted implements Probe {
        final AtomicInteger runs = new AtomicInteger();
        static final AtomicInteger IN_FLIGHT = new AtomicInteger();
        final AtomicInteger maxInFlight;
        final AtomicInteger aborted = new AtomicInteger();
        final BlockingQueue<Consumer<ProbeResult>> pending = new LinkedBlockingQueue<>();
        volatile Boolean autoAnswer;

        Scripted(AtomicInteger maxInFlight, Boolean autoAnswer) {
            this.maxInFlight = maxInFlight;
            this.autoAnswer = autoAnswer;
        }

        @Override
        public String describe() {
            return "SCRIPTED";
        }

        @Override
        public AutoCloseable run(Consumer<ProbeResult> done) {
            runs.incrementAndGet();
            maxInFlight.accumulateAndGet(IN_FLIGHT.incrementAndGet(), Math::max);
            Consumer<ProbeResult> answer = r -> {
                IN_FLIGHT.decrementAndGet();
                done.accept(r);
            };
            Boolean auto = autoAnswer;
            if (auto != null) {
                answer.accept(auto ? ProbeResult.ok("fine") : ProbeResult.fail("scripted failure"));
            } else {
                pending.add(answer);
            }
            return aborted::incrementAndGet;
        }
    }

    /** The same pool with server 0's weight changed. */
    static ServiceSpec withWeight(ServiceSpec s, int weight) {
        List<RealServerSpec> rs = new ArrayList<>(s.servers());
        RealServerSpec r = rs.get(0);
        rs.set(0, new RealServerSpec(r.id(), weight, r.inhibitOnFailure(), r.notifyUp(), r.notifyDown(), r.checks()));
        return new ServiceSpec(
                s.id(),
                s.quorum(),
                s.hysteresis(),
                s.sorryServer(),
                s.sorryInhibit(),
                s.quorumUp(),
                s.quorumDown(),
                rs);
    }

    @Test
    void reloadLeavesAnUnchangedPoolAloneAndCarriesUnchangedCheckersOfAChangedOne() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted probe = new Scripted(max, false);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        ServiceSpec two = service(2, 0);
        HealthCheckService s = new HealthCheckService(List.of(two), loop, x -> probe, events::add, 10);
        s.start();
        // both start in the table, both fail once (retry 0) and leave
        List<HealthEvent> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seen.add(events.poll(5, TimeUnit.SECONDS));
        }
        assertEquals(
                2,
                seen.stream().filter(e -> e.kind() == HealthEvent.Kind.REMOVE).count(),
                seen.toString());

        assertEquals(List.of(), s.reconfigure(List.of(two)).get(5, TimeUnit.SECONDS), "unchanged: nothing restarted");
        assertEquals(null, events.poll(200, TimeUnit.MILLISECONDS), "and no event");

        ServiceSpec changed = withWeight(two, 7);
        assertEquals(
                List.of(ServiceId.parse("TCP 198.18.0.100:80")),
                s.reconfigure(List.of(changed)).get(5, TimeUnit.SECONDS));
        assertEquals(
                null,
                events.poll(200, TimeUnit.MILLISECONDS),
                "the down servers kept their checkers' state: a reload does not bring them back");
        HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
        assertEquals(2, st.services().get(0).servers().size());
        assertTrue(!st.services().get(0).servers().get(0).alive());
        probe.autoAnswer = true;
        HealthEvent up = events.poll(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.ADD, up.kind());
        HealthEvent up2 = events.poll(5, TimeUnit.SECONDS);
        assertEquals(java.util.Set.of(7, 1), java.util.Set.of(up.weight(), up2.weight()), "the new weight applies");

        assertEquals(List.of(), s.reconfigure(List.of()).get(5, TimeUnit.SECONDS));
        assertEquals(List.of(), s.status().get(5, TimeUnit.SECONDS).services(), "a removed pool stops");
        assertEquals(0, s.scheduled().get(5, TimeUnit.SECONDS), "its checks are out of the schedule: none runs again");
        s.close();
    }

    /** {@code n} virtual servers, each with the same real server and the same TCP_CHECK. */
    static List<ServiceSpec> sameRealServerBehind(int n, long delayLoop) {
        List<ServiceSpec> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            CheckSpec c = new CheckSpec(
                    new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", 80), null, 50 * MS),
                    new CheckTiming(50 * MS, 0, 10 * MS, delayLoop, 0, false, i % 2 == 0));
            out.add(new ServiceSpec(
                    ServiceId.parse("TCP 198.18.0." + (100 + i) + ":80"),
                    0,
                    0,
                    null,
                    false,
                    null,
                    null,
                    List.of(new RealServerSpec(
                            RealServerId.parse("198.18.0.21:80"), 1, false, null, null, List.of(c)))));
        }
        return out;
    }

    @Test
    void identicalChecksBehindSeveralVirtualServersShareOneProbeAcrossReloads() throws Exception {
        List<Scripted> made = new CopyOnWriteArrayList<>();
        AtomicInteger max = new AtomicInteger();
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        List<ServiceSpec> five = sameRealServerBehind(5, 20 * MS);
        HealthCheckService s = new HealthCheckService(
                five,
                loop,
                x -> {
                    Scripted p = new Scripted(max, true);
                    made.add(p);
                    return p;
                },
                events::add,
                10);
        s.start();
        for (int i = 0; i < 5; i++) {
            assertEquals(HealthEvent.Kind.ADD, events.poll(5, TimeUnit.SECONDS).kind());
        }
        assertEquals(1, made.size(), "one probe for five identical checks");
        Thread.sleep(300);
        HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
        long probeRuns = st.scheduler().runs();
        for (HealthStatus.Service v : st.services()) {
            long took = v.servers().get(0).checkers().get(0).runs();
            assertTrue(took >= probeRuns - 1 && took <= probeRuns, "each check took every result: " + took);
        }
        // the probe fails: every virtual server takes its real server out, each by its own rules
        made.get(0).autoAnswer = false;
        java.util.Set<ServiceId> out = new java.util.HashSet<>();
        for (int i = 0; i < 5; i++) {
            HealthEvent e = events.poll(5, TimeUnit.SECONDS);
            assertEquals(HealthEvent.Kind.REMOVE, e.kind());
            out.add(e.service());
        }
        assertEquals(5, out.size());

        // reload: two virtual servers go, a new one with the same check comes: the probe runs on
        List<ServiceSpec> next = new ArrayList<>(five.subList(2, 5));
        next.add(sameRealServerBehind(7, 20 * MS).get(6));
        s.reconfigure(next).get(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.ADD, events.poll(5, TimeUnit.SECONDS).kind(), "the new one starts up");
        assertEquals(HealthEvent.Kind.REMOVE, events.poll(5, TimeUnit.SECONDS).kind(), "and takes the failing result");
        assertEquals(1, made.size(), "no probe made for a new sharer");
        assertEquals(1, s.scheduled().get(5, TimeUnit.SECONDS), "one probe scheduled");

        // one whose delay_loop differs has its own probe; the shared one stops when no sharer is left
        s.reconfigure(sameRealServerBehind(1, 30 * MS)).get(5, TimeUnit.SECONDS);
        assertEquals(2, made.size());
        assertEquals(1, s.scheduled().get(5, TimeUnit.SECONDS), "the old probe is out of the schedule");
        s.close();
    }

    @Test
    void aSharedProbeRunsForTheSharersNotSuspendedAndASuspendedOneLeavesItsTableAlone() throws Exception {
        List<Scripted> made = new CopyOnWriteArrayList<>();
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        List<ServiceSpec> two = sameRealServerBehind(2, 20 * MS);
        HealthCheckService s = new HealthCheckService(
                two,
                loop,
                x -> {
                    Scripted p = new Scripted(new AtomicInteger(), true);
                    made.add(p);
                    return p;
                },
                events::add,
                10);
        s.start();
        events.poll(5, TimeUnit.SECONDS);
        events.poll(5, TimeUnit.SECONDS);
        s.suspend(two.get(0).id(), true);
        s.status().get(5, TimeUnit.SECONDS); // the suspension is in
        made.get(0).autoAnswer = false;
        HealthEvent e = events.poll(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.REMOVE, e.kind());
        assertEquals(two.get(1).id(), e.service(), "the probe runs on for the one not suspended");
        assertEquals(null, events.poll(300, TimeUnit.MILLISECONDS), "the suspended one's table is left alone");
        s.suspend(two.get(0).id(), false);
        HealthEvent later = events.poll(5, TimeUnit.SECONDS);
        assertEquals(two.get(0).id(), later.service(), "resumed, it takes the next result");
        assertEquals(HealthEvent.Kind.REMOVE, later.kind());
        assertEquals(1, made.size());
        s.close();
    }

    @Test
    void anUpServerLeavesAfterRetryPlusOneFailuresAndComesBackOnOneSuccess() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted probe = new Scripted(max, false);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(service(1, 2)), loop, x -> probe, events::add, 10);
        s.start();
        assertEquals(HealthEvent.Kind.ADD, events.poll(5, TimeUnit.SECONDS).kind(), "in the table at start");
        HealthEvent down = events.poll(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.REMOVE, down.kind());
        assertEquals(3, probe.runs.get(), "retry 2: the third failure in a row removes it");
        assertTrue(down.reason().contains("scripted failure"), down.reason());
        probe.autoAnswer = true;
        HealthEvent up = events.poll(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.ADD, up.kind());
        HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
        assertTrue(st.services().get(0).servers().get(0).alive());
        assertEquals(
                Boolean.TRUE,
                st.services().get(0).servers().get(0).checkers().get(0).lastSuccess());
        s.close();
    }

    /**
     * A pool settles once every checker has a verdict of its own probes: a success, or down after
     * its retries (a failure with retries left is none). Told once, after the transitions.
     */
    @Test
    void aPoolSettlesWhenEveryCheckerHasItsFirstVerdict() throws Exception {
        Scripted a = new Scripted(new AtomicInteger(), null);
        Scripted b = new Scripted(new AtomicInteger(), null);
        HealthCheckService s = new HealthCheckService(
                List.of(service(2, 1)),
                loop,
                x -> ((CheckSettings.Tcp) x).target().getPort() == 80 ? a : b,
                e -> {},
                10);
        BlockingQueue<String> told = new LinkedBlockingQueue<>();
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void realServer(ServiceId service, RealServerId server, boolean up) {
                told.add(server + (up ? " up" : " down"));
            }

            @Override
            public void settled(ServiceId service) {
                told.add("settled " + service);
            }
        });
        s.start();
        assertFalse(s.status().get(5, TimeUnit.SECONDS).services().get(0).settled(), "taken as up, not probed");
        a.pending.poll(5, TimeUnit.SECONDS).accept(ProbeResult.ok("fine"));
        b.pending.poll(5, TimeUnit.SECONDS).accept(ProbeResult.fail("refused"));
        assertEquals(null, told.poll(200, TimeUnit.MILLISECONDS), "b is retrying: no verdict yet");
        assertFalse(s.status().get(5, TimeUnit.SECONDS).services().get(0).settled());
        b.pending.poll(5, TimeUnit.SECONDS).accept(ProbeResult.fail("refused"));
        assertEquals("198.18.0.21:81 down", told.poll(5, TimeUnit.SECONDS));
        assertEquals("settled TCP 198.18.0.100:80", told.poll(5, TimeUnit.SECONDS));
        assertTrue(s.status().get(5, TimeUnit.SECONDS).services().get(0).settled());
        a.pending.poll(5, TimeUnit.SECONDS).accept(ProbeResult.ok("fine"));
        b.pending.poll(5, TimeUnit.SECONDS).accept(ProbeResult.ok("fine"));
        assertEquals("198.18.0.21:81 up", told.poll(5, TimeUnit.SECONDS));
        assertEquals(null, told.poll(200, TimeUnit.MILLISECONDS), "told once");
        s.close();
    }

    @Test
    void aReloadTellsOfTheAliveServersItRemovesNotOfTheDeadOrTheStaying() throws Exception {
        Scripted probe = new Scripted(new AtomicInteger(), true);
        ServiceSpec three = service(3, 0);
        BlockingQueue<String> told = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(three), loop, x -> probe, e -> {}, 10);
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void removed(ServiceId service, RealServerId server) {
                told.add(service + " " + server);
            }
        });
        s.start();
        // all three up (no alpha, passing); the reload keeps :80 and drops :81 and :82
        ServiceSpec one = new ServiceSpec(
                three.id(),
                three.quorum(),
                three.hysteresis(),
                null,
                false,
                null,
                null,
                three.servers().subList(0, 1));
        s.reconfigure(List.of(one)).get(5, TimeUnit.SECONDS);
        assertEquals(
                java.util.Set.of("TCP 198.18.0.100:80 198.18.0.21:81", "TCP 198.18.0.100:80 198.18.0.21:82"),
                java.util.Set.of(told.poll(5, TimeUnit.SECONDS), told.poll(5, TimeUnit.SECONDS)));
        // the whole pool goes: its last server with it
        s.reconfigure(List.of()).get(5, TimeUnit.SECONDS);
        assertEquals("TCP 198.18.0.100:80 198.18.0.21:80", told.poll(5, TimeUnit.SECONDS));
        assertEquals(null, told.poll(200, TimeUnit.MILLISECONDS));
        s.close();
    }

    @Test
    void aServiceWithASorryServerStartingWithoutQuorumSaysSoAsInitServiceVs() throws Exception {
        Scripted probe = new Scripted(new AtomicInteger(), true);
        ServiceSpec one = service(1, 0);
        RealServerId sorry = new RealServerId(org.hadirector.sys.Addresses.parse("198.18.0.29"), 80);
        // quorum 5 over one server of weight 1: down from the start; without a sorry server nothing is told
        ServiceSpec withSorry = new ServiceSpec(one.id(), 5, 1, sorry, false, null, null, one.servers());
        ServiceSpec without = new ServiceSpec(
                ServiceId.of(ServiceId.TCP, org.hadirector.sys.Addresses.parse("198.18.0.101"), 80),
                5,
                1,
                null,
                false,
                null,
                null,
                one.servers());
        BlockingQueue<String> told = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(withSorry, without), loop, x -> probe, e -> {}, 10);
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void startedWithoutQuorum(ServiceId service, long aliveWeight) {
                told.add(service + " weight " + aliveWeight);
            }
        });
        s.start();
        assertEquals("TCP 198.18.0.100:80 weight 1", told.poll(5, TimeUnit.SECONDS));
        assertEquals(null, told.poll(300, TimeUnit.MILLISECONDS));
        // a reload that adds one more such virtual server says it for that one only
        ServiceSpec added = new ServiceSpec(
                ServiceId.of(ServiceId.TCP, org.hadirector.sys.Addresses.parse("198.18.0.102"), 80),
                5,
                1,
                sorry,
                false,
                null,
                null,
                one.servers());
        s.reconfigure(List.of(withSorry, without, added)).get(5, TimeUnit.SECONDS);
        assertEquals("TCP 198.18.0.102:80 weight 1", told.poll(5, TimeUnit.SECONDS));
        assertEquals(null, told.poll(300, TimeUnit.MILLISECONDS));
        s.close();
    }

    @Test
    void aMiscCheckTellsItsFirstResultEvenWhenItChangesNothingAsCheckMisc() throws Exception {
        Scripted scripted = new Scripted(new AtomicInteger(), true);
        Probe misc = new Probe() {
            @Override
            public String describe() {
                return "MISC_CHECK /bin/true";
            }

            @Override
            public boolean reportsFirstResult() {
                return true;
            }

            @Override
            public AutoCloseable run(Consumer<ProbeResult> done) {
                return scripted.run(done);
            }
        };
        BlockingQueue<String> told = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(service(1, 0)), loop, x -> misc, e -> {}, 10);
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void checker(
                    ServiceId service,
                    RealServerId server,
                    String checker,
                    boolean up,
                    String reason,
                    boolean serverAlive,
                    boolean serverChanged) {
                told.add(checker + " " + server + " " + up + " server " + serverAlive + " " + serverChanged);
            }
        });
        s.start();
        // up from the start (no alpha) and passing: keepalived's !has_run still says "succeeded", once
        assertEquals("MISC_CHECK 198.18.0.21:80 true server true false", told.poll(5, TimeUnit.SECONDS));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (scripted.runs.get() < 3 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(scripted.runs.get() >= 3, "it ran on");
        assertEquals(null, told.poll(200, TimeUnit.MILLISECONDS));
        s.close();
    }

    @Test
    void serverAndQuorumTransitionsAreToldInKeepalivedsOrder() throws Exception {
        Scripted probe = new Scripted(new AtomicInteger(), false);
        ServiceSpec one = service(1, 0);
        ServiceSpec quorum1 = new ServiceSpec(one.id(), 1, 0, null, false, null, null, one.servers());
        BlockingQueue<String> told = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(quorum1), loop, x -> probe, e -> {}, 10);
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void realServer(ServiceId service, RealServerId server, boolean up) {
                told.add("RS " + server + " " + service + " " + up);
            }

            @Override
            public void quorum(ServiceId service, boolean up, long aliveWeight) {
                told.add("VS " + service + " " + up + " weight " + aliveWeight);
            }

            @Override
            public void checker(
                    ServiceId service,
                    RealServerId server,
                    String checker,
                    boolean up,
                    String reason,
                    boolean serverAlive,
                    boolean serverChanged) {
                told.add("CHECK " + checker + " " + server + " " + up + " (" + reason + ") server " + serverAlive
                        + (serverChanged ? " changed" : " unchanged"));
            }
        });
        s.start();
        // do_rs_notifies, then the quorum it moves (perform_svr_state, then update_quorum_state),
        // then the checker's own (its smtp_alert)
        assertEquals("RS 198.18.0.21:80 TCP 198.18.0.100:80 false", told.poll(5, TimeUnit.SECONDS));
        assertEquals("VS TCP 198.18.0.100:80 false weight 0", told.poll(5, TimeUnit.SECONDS));
        assertEquals(
                "CHECK SCRIPTED 198.18.0.21:80 false (scripted failure) server false changed",
                told.poll(5, TimeUnit.SECONDS));
        probe.autoAnswer = true;
        assertEquals("RS 198.18.0.21:80 TCP 198.18.0.100:80 true", told.poll(5, TimeUnit.SECONDS));
        assertEquals("VS TCP 198.18.0.100:80 true weight 1", told.poll(5, TimeUnit.SECONDS));
        assertEquals("CHECK SCRIPTED 198.18.0.21:80 true (fine) server true changed", told.poll(5, TimeUnit.SECONDS));
        s.close();
    }

    /** A pool of two servers whose notify_down and quorum_down append their name to {@code log}. */
    static ServiceSpec notifying(String vip, java.nio.file.Path log, boolean omega, String quorumDownExtra) {
        List<RealServerSpec> rs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            CheckSpec c = new CheckSpec(
                    new CheckSettings.Tcp(new InetSocketAddress("198.18.0.21", 80 + i), null, 50 * MS),
                    new CheckTiming(50 * MS, 0, 10 * MS, 20 * MS, 0, false, false));
            rs.add(new RealServerSpec(
                    RealServerId.parse("198.18.0.2" + i + ":80"),
                    1,
                    false,
                    null,
                    List.of("/bin/sh", "-c", "echo " + vip + "-down-" + i + " >> " + log),
                    List.of(c)));
        }
        return new ServiceSpec(
                ServiceId.parse("TCP " + vip + ":80"),
                1,
                0,
                null,
                false,
                null,
                List.of("/bin/sh", "-c", "echo " + vip + "-quorum-down >> " + log + quorumDownExtra),
                rs,
                omega);
    }

    static List<String> lines(java.nio.file.Path log, int want) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> got = List.of();
        while (System.nanoTime() < end) {
            got = java.nio.file.Files.exists(log) ? java.nio.file.Files.readAllLines(log) : List.of();
            if (got.size() >= want) {
                break;
            }
            Thread.sleep(20);
        }
        return got.stream().sorted().toList();
    }

    @Test
    void atShutdownOnlyAPoolWithOmegaRunsItsLiveServersNotifyDownAndItsQuorumDown() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("omega");
        java.nio.file.Path log = dir.resolve("log");
        Scripted probe = new Scripted(new AtomicInteger(), true);
        // the omega pool's quorum_down outlives keepalived's one second: it is killed, not waited for
        HealthCheckService s = new HealthCheckService(
                List.of(
                        notifying("198.18.0.100", log, true, "; sleep 30; echo late >> " + log),
                        notifying("198.18.0.101", log, false, "")),
                loop,
                x -> probe,
                e -> {},
                10);
        List<String> told = new CopyOnWriteArrayList<>();
        s.onTransitions(new HealthCheckService.Transitions() {
            @Override
            public void realServer(ServiceId service, RealServerId server, boolean up) {
                told.add("RS " + server + " " + service + " " + up);
            }

            @Override
            public void quorum(ServiceId service, boolean up) {
                told.add("VS " + service + " " + up);
            }

            @Override
            public void shuttingDown(ServiceId service, RealServerId server) {
                told.add("shutting down " + (server == null ? "" : server + " ") + service);
            }
        });
        s.start();
        assertTrue(s.status().get(5, TimeUnit.SECONDS).services().get(0).quorum());
        long t0 = System.nanoTime();
        s.notifyShutdown(true, 1000);
        long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(took >= 900 && took < 3000, "waited " + took + " ms for the scripts");
        assertEquals(List.of("198.18.0.100-down-0", "198.18.0.100-down-1", "198.18.0.100-quorum-down"), lines(log, 3));
        assertEquals(
                List.of(
                        "RS 198.18.0.20:80 TCP 198.18.0.100:80 false",
                        "shutting down 198.18.0.20:80 TCP 198.18.0.100:80",
                        "RS 198.18.0.21:80 TCP 198.18.0.100:80 false",
                        "shutting down 198.18.0.21:80 TCP 198.18.0.100:80",
                        "VS TCP 198.18.0.100:80 false",
                        "shutting down TCP 198.18.0.100:80"),
                told);
        s.close();
        Thread.sleep(300);
        assertEquals(3, lines(log, 3).size(), "the killed script wrote nothing more");
    }

    @Test
    void lvsFlushOnStopRunsOnlyOmegasQuorumDown() throws Exception {
        java.nio.file.Path log =
                java.nio.file.Files.createTempDirectory("omega").resolve("log");
        Scripted probe = new Scripted(new AtomicInteger(), true);
        HealthCheckService s = new HealthCheckService(
                List.of(notifying("198.18.0.100", log, true, "")), loop, x -> probe, e -> {}, 10);
        s.start();
        s.status().get(5, TimeUnit.SECONDS);
        s.notifyShutdown(false, 1000);
        assertEquals(List.of("198.18.0.100-quorum-down"), lines(log, 1));
        s.close();
    }

    @Test
    void aPoolRemovedByAReloadRunsItsNotifiesWithoutOmega() throws Exception {
        java.nio.file.Path log =
                java.nio.file.Files.createTempDirectory("omega").resolve("log");
        Scripted probe = new Scripted(new AtomicInteger(), true);
        ServiceSpec kept = notifying("198.18.0.101", log, false, "");
        HealthCheckService s = new HealthCheckService(
                List.of(notifying("198.18.0.100", log, false, ""), kept), loop, x -> probe, e -> {}, 10);
        s.start();
        s.status().get(5, TimeUnit.SECONDS);
        s.reconfigure(List.of(kept)).get(5, TimeUnit.SECONDS);
        assertEquals(List.of("198.18.0.100-down-0", "198.18.0.100-down-1", "198.18.0.100-quorum-down"), lines(log, 3));
        // and at shutdown, without omega, nothing
        s.notifyShutdown(true, 1000);
        Thread.sleep(300);
        assertEquals(3, lines(log, 3).size());
        s.close();
    }

    @Test
    void noMoreThanMaxInFlightChecksRunAtOnceAndTheRestWait() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted.IN_FLIGHT.set(0);
        List<Scripted> probes = new CopyOnWriteArrayList<>();
        HealthCheckService s = new HealthCheckService(
                List.of(service(10, 1)),
                loop,
                x -> {
                    Scripted p = new Scripted(max, null);
                    probes.add(p);
                    return p;
                },
                e -> {},
                3);
        s.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (probes.stream().mapToInt(p -> p.pending.size()).sum() < 3 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        // the wake-up that started three queued the other seven (CheckScheduleTest has the rules)
        HealthStatus.Scheduler q = s.status().get(5, TimeUnit.SECONDS).scheduler();
        assertEquals(3, q.inFlight());
        assertEquals(7, q.waiting(), "the other seven wait for a slot");
        // answer everything for a while: all ten get their turn, never more than three at once
        int answered = 0;
        while (answered < 40 && System.nanoTime() < end) {
            for (Scripted p : probes) {
                Consumer<ProbeResult> c = p.pending.poll();
                if (c != null) {
                    loop.execute(() -> c.accept(ProbeResult.ok("fine")));
                    answered++;
                }
            }
            Thread.sleep(1);
        }
        assertTrue(answered >= 40, "answered " + answered);
        assertTrue(probes.stream().allMatch(p -> p.runs.get() > 0), "every checker ran");
        assertEquals(3, max.get());
        s.close();
    }

    @Test
    void closeAbortsTheChecksInFlightAndStopsTheSchedule() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted probe = new Scripted(max, null);
        HealthCheckService s = new HealthCheckService(List.of(service(1, 1)), loop, x -> probe, e -> {}, 10);
        s.start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (probe.pending.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        s.close();
        assertEquals(1, probe.aborted.get(), "the check in flight was aborted");
        assertEquals(0, s.scheduled().get(5, TimeUnit.SECONDS), "nothing is left to run after close");
    }

    /** Results from another thread (as the TCP connector's are) are queued, applied on the loop, and the schedule goes on. */
    @Test
    void answersFromAnotherThreadAreAppliedInOrderAndTheScheduleGoesOn() throws Exception {
        java.util.concurrent.ExecutorService other = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            AtomicInteger runs = new AtomicInteger();
            BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
            HealthCheckService s = new HealthCheckService(
                    List.of(service(20, 1)),
                    loop,
                    x -> new Probe() {
                        @Override
                        public String describe() {
                            return "ELSEWHERE";
                        }

                        @Override
                        public AutoCloseable run(Consumer<ProbeResult> done) {
                            runs.incrementAndGet();
                            other.execute(() -> done.accept(ProbeResult.fail("refused elsewhere")));
                            return () -> {};
                        }
                    },
                    events::add,
                    10);
            s.start();
            List<HealthEvent> seen = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                HealthEvent e = events.poll(5, TimeUnit.SECONDS);
                assertTrue(e != null, "events so far: " + seen);
                seen.add(e);
            }
            assertEquals(
                    20,
                    seen.stream()
                            .filter(e -> e.kind() == HealthEvent.Kind.REMOVE)
                            .count());
            assertTrue(
                    seen.stream()
                            .filter(e -> e.kind() == HealthEvent.Kind.REMOVE)
                            .allMatch(e -> e.reason().contains("refused elsewhere")),
                    seen.toString());
            HealthStatus st = s.status().get(5, TimeUnit.SECONDS);
            assertTrue(st.services().get(0).servers().stream()
                    .allMatch(r -> r.checkers().get(0).failures() >= 2));
            int before = runs.get();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (runs.get() < before + 20 && System.nanoTime() < end) {
                Thread.sleep(5);
            }
            assertTrue(runs.get() >= before + 20, "the checks go on after a result from elsewhere: " + runs.get());
            s.close();
        } finally {
            other.shutdownNow();
        }
    }

    /** A failure in a checker's result handling (here the table's listener throws) restarts it; its schedule goes on. */
    @Test
    void aCheckerWhoseResultHandlingThrowsIsRestartedAndKeepsRunning() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted probe = new Scripted(max, false);
        BlockingQueue<String> restarts = new LinkedBlockingQueue<>();
        AtomicInteger thrown = new AtomicInteger();
        HealthCheckService s = new HealthCheckService(
                List.of(service(1, 0)),
                loop,
                x -> probe,
                e -> {
                    if (e.kind() == HealthEvent.Kind.REMOVE && thrown.getAndIncrement() == 0) {
                        throw new IllegalStateException("listener bug");
                    }
                },
                10);
        s.onRestart(restarts::add);
        s.start();
        String why = restarts.poll(5, TimeUnit.SECONDS);
        assertTrue(why != null && why.contains("listener bug"), String.valueOf(why));
        int runs = probe.runs.get();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (probe.runs.get() < runs + 5 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertTrue(probe.runs.get() >= runs + 5, "the checker runs on after the failure: " + probe.runs.get());
        s.injectFailure();
        String injected = restarts.poll(5, TimeUnit.SECONDS);
        assertTrue(injected != null && injected.contains("injected failure"), String.valueOf(injected));
        assertEquals(2, s.restarts());
        s.close();
    }

    /** A probe that never answers (a bug: every probe bounds itself by connect_timeout) is aborted and counted as failed. */
    @Test
    void aHungProbeIsAbortedAndCountsAsAFailedCheck() throws Exception {
        AtomicInteger max = new AtomicInteger();
        Scripted probe = new Scripted(max, null);
        BlockingQueue<HealthEvent> events = new LinkedBlockingQueue<>();
        BlockingQueue<String> restarts = new LinkedBlockingQueue<>();
        HealthCheckService s = new HealthCheckService(List.of(service(1, 0)), loop, x -> probe, events::add, 10);
        s.watchdog(20 * MS, 100 * MS);
        s.onRestart(restarts::add);
        s.start();
        assertEquals(HealthEvent.Kind.ADD, events.poll(5, TimeUnit.SECONDS).kind());
        String why = restarts.poll(5, TimeUnit.SECONDS);
        assertTrue(why != null && why.contains("no answer"), String.valueOf(why));
        HealthEvent down = events.poll(5, TimeUnit.SECONDS);
        assertEquals(HealthEvent.Kind.REMOVE, down.kind(), String.valueOf(down));
        assertTrue(down.reason().contains("aborted"), down.reason());
        assertTrue(probe.aborted.get() >= 1, "the hung probe was closed");
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (probe.runs.get() < 2 && System.nanoTime() < end) {
            Thread.sleep(5);
        }
        assertTrue(probe.runs.get() >= 2, "it runs again");
        s.close();
    }
}
