import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hadirector.healthcheck.CheckSettings;
import org.hadirector.healthcheck.CheckSpec;
import org.hadirector.healthcheck.CheckTiming;
import org.hadirector.healthcheck.HealthCheckService;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ProbeIo;
import org.hadirector.healthcheck.RealServerSpec;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;

/**
 * Health-check load: TCP real servers 127.1.x.y:8080 and HTTP_GET ones 127.2.x.y:8081 (nginx in
 * the benchmark's own namespace answers both), delay_loop 1 s, warmup 1 s. After a warm-up,
 * prints per interval the process CPU (share of one core), checks per second, lateness against
 * the schedule, heap after GC and RSS. Args: TCP_SERVERS HTTP_SERVERS SECONDS.
 */
public class CheckBenchmark {
    static final long S = 1_000_000_000L;

    public static void main(String[] args) throws Exception {
        int tcp = Integer.parseInt(args[0]);
        int http = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        CheckTiming t = new CheckTiming(3 * S, 1, S, S, S, false, false);
        List<ServiceSpec> services = new ArrayList<>();
        services.addAll(pools(tcp, 1, 8080, i -> null, t));
        services.addAll(pools(http, 2, 8081, i -> i, t));
        AtomicLong events = new AtomicLong();
        try (ProbeIo io = new ProbeIo(Integer.parseInt(System.getenv().getOrDefault("BENCH_IO_THREADS", "1")), null);
                HealthCheckService s = new HealthCheckService(services, io, e -> events.incrementAndGet(), 2048)) {
            s.start();
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            Thread.sleep(5000);
            long initialEvents = tcp + http;
            s.takeSchedulerStats().get(5, TimeUnit.SECONDS);
            System.out.printf(
                    "%d TCP_CHECK + %d HTTP_GET real servers, delay_loop 1 s; %d s warm-up done%n", tcp, http, 5);
            for (int i = 0; i < seconds / 10; i++) {
                long cpu0 = os.getProcessCpuTime();
                long t0 = System.nanoTime();
                HealthStatus.Scheduler a = s.takeSchedulerStats().get(5, TimeUnit.SECONDS);
                Thread.sleep(10_000);
                HealthStatus.Scheduler b = s.takeSchedulerStats().get(5, TimeUnit.SECONDS);
                long cpu1 = os.getProcessCpuTime();
                long t1 = System.nanoTime();
                System.gc();
                long heap =
                        ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
                System.out.printf(
                        "%s; cpu %.1f%% of one core, %.0f checks/s, lateness p50 <= %d ms p99 <= %d ms max %.1f ms,"
                                + " in flight %d, heap after GC %d MB, RSS %d MB, table changes %d%n",
                        userSys(),
                        100.0 * (cpu1 - cpu0) / (t1 - t0),
                        (b.runs() - a.runs()) * 1e9 / (t1 - t0),
                        b.lateP50Millis(),
                        b.lateP99Millis(),
                        b.lateMaxMillis(),
                        b.inFlight(),
                        heap >> 20,
                        rssMb(),
                        events.get() - initialEvents);
            }
            HealthStatus st = s.status().get(10, TimeUnit.SECONDS);
            long down = st.services().stream()
                    .flatMap(v -> v.servers().stream())
                    .filter(r -> !r.alive())
                    .count();
            System.out.println("real servers down at the end: " + down);
        }
    }

    static List<ServiceSpec> pools(
            int n, int net, int port, java.util.function.IntFunction<Integer> http, CheckTiming t) throws Exception {
        List<ServiceSpec> out = new ArrayList<>();
        List<RealServerSpec> rs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            InetAddress a =
                    InetAddress.getByAddress(new byte[] {127, (byte) net, (byte) (i / 250), (byte) (1 + i % 250)});
            InetSocketAddress target = new InetSocketAddress(a, port);
            CheckSettings c = http.apply(i) == null
                    ? new CheckSettings.Tcp(target, null, 3 * S)
                    : new CheckSettings.Http(
                            false,
                            target,
                            null,
                            3 * S,
                            null,
                            false,
                            List.of(new CheckSettings.Url(
                                    "/health",
                                    List.of(new CheckSettings.StatusRange(200, 299)),
                                    null,
                                    null,
                                    false,
                                    null)));
            rs.add(new RealServerSpec(new RealServerId(a, port), 1, false, null, null, List.of(new CheckSpec(c, t))));
            if (rs.size() == 100 || i == n - 1) {
                out.add(new ServiceSpec(
                        ServiceId.of(
                                ServiceId.TCP,
                                InetAddress.getByAddress(new byte[] {(byte) 198, 18, 0, 100}),
                                10000 + out.size() + net * 1000),
                        0,
                        0,
                        null,
                        false,
                        null,
                        null,
                        rs));
                rs = new ArrayList<>();
            }
        }
        return out;
    }

    static long[] last = {0, 0};

    /** user and system CPU since the last call, in clock ticks (usually 10 ms), from /proc/self/stat. */
    static String userSys() throws Exception {
        String st = Files.readString(Path.of("/proc/self/stat"));
        String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
        long u = Long.parseLong(f[11]);
        long s = Long.parseLong(f[12]);
        String out = "user " + (u - last[0]) + " ticks, system " + (s - last[1]) + " ticks";
        last[0] = u;
        last[1] = s;
        return out;
    }

    static long rssMb() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10;
            }
        }
        return -1;
    }
}
