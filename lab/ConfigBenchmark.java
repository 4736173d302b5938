import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.Arrays;
import org.hadirector.conf.ConfigLoader;
import org.hadirector.conf.model.KeepalivedConfig;

/**
 * Parse-and-validate benchmark for one configuration file (run by lab/bench-config, which
 * generates the file and sets -Xmx so that a heap limit is proven, not estimated).
 * Prints the time of each run and the peak heap in use across all of them.
 */
public final class ConfigBenchmark {
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        ConfigLoader.Options options = ConfigLoader.Options.defaults();
        long first = System.nanoTime();
        KeepalivedConfig c = ConfigLoader.load(file, options).config();
        double coldMs = (System.nanoTime() - first) / 1e6;
        int rs = c.virtualServers().stream()
                .mapToInt(v -> v.realServers().size())
                .sum();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            ConfigLoader.load(file, options);
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        // What stays: the model alone, measured after a full collection with it still referenced.
        System.gc();
        long retained =
                Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(
                "virtual_servers=%d real_servers=%d%n", c.virtualServers().size(), rs);
        System.out.printf("first_load_ms=%.0f (includes JIT warm-up)%n", coldMs);
        System.out.printf(
                "warm_load_ms min=%.0f median=%.0f max=%.0f over %d runs%n",
                sorted[0], sorted[runs / 2], sorted[runs - 1], runs);
        System.out.printf(
                "peak_heap_used_mb=%.0f (sum of per-pool peaks, an upper bound) max_heap_mb=%d%n",
                peak / 1048576.0, Runtime.getRuntime().maxMemory() / 1048576);
        System.out.printf("retained_after_gc_mb=%.0f (the model of %d real servers)%n", retained / 1048576.0, rs);
        if (c.virtualServers().isEmpty()) {
            throw new IllegalStateException("keeps c alive until here");
        }
    }
}
