package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.hadirector.conf.ConfigLoader;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.healthcheck.HealthEvent;
import org.hadirector.healthcheck.HealthStatus;
import org.hadirector.healthcheck.ServiceSpec;
import org.hadirector.ipvs.Destination;
import org.hadirector.ipvs.Stats;
import org.hadirector.ipvs.TableDump;
import org.hadirector.sys.RealServerId;
import org.junit.jupiter.api.Test;

/**
 * An IPv6 service has one name from the configuration to the checks, the table's log line,
 * `status --json` and /metrics (RFC 5952: [2001:db8::100]:80). Before, the checks wrote the
 * configuration's form and the table Java's [2001:db8:0:0:0:0:0:100]:80, so the table's log
 * line lost the check's reason and /metrics named one service two ways.
 */
class ServiceNamesTest {
    static final String SERVICE = "TCP [2001:db8::100]:80";
    static final String SERVER = "[2001:db8::21]:80";

    static KeepalivedConfig config() throws Exception {
        String text = """
                virtual_server 2001:db8:0:0:0:0:0:100 80 {
                    lb_algo rr
                    lb_kind DR
                    protocol TCP
                    real_server 2001:DB8::21 80 {
                        weight 1
                        TCP_CHECK {
                            connect_timeout 1
                        }
                    }
                }
                """;
        return ConfigLoader.loadString("v6.conf", text, Path.of("."), ConfigLoader.Options.defaults())
                .config();
    }

    @Test
    void anIpv6ServiceHasOneNameInChecksTableStatusAndMetrics() throws Exception {
        KeepalivedConfig c = config();
        ServiceSpec spec = CheckerConfigMapper.map(c).get(0);
        TableConfigMapper.ServicePlan plan = TableConfigMapper.map(c).get(0);
        assertEquals(SERVICE, spec.id().toString(), "the checks' name");
        assertEquals(spec.id(), plan.id(), "the table's identity is the checks'");
        assertEquals(plan.id(), plan.service().key().id(), "the identity the dataplane's entries get");
        RealServerId server = spec.servers().get(0).id();
        assertEquals(SERVER, server.toString());
        assertEquals(List.of(server), List.copyOf(plan.servers().keySet()));
        assertEquals(server, plan.servers().get(server).id(), "the destination's identity is the checks'");

        // the check's reason reaches the table's log line: the event's names find the table's entry
        TableKeeperTest.MemoryDataplane dp = new TableKeeperTest.MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan)));
        k.start();
        dp.take();
        k.onHealth(new HealthEvent(spec.id(), server, HealthEvent.Kind.ADD, 1, "TCP_CHECK " + SERVER + ": connected"));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(
                List.of("add " + SERVER + " weight 1 to TCP  [2001:db8::100]:80 (TCP_CHECK " + SERVER + ": connected)"),
                dp.take());
        k.close();

        Destination d = plan.servers().get(server);
        TableDump dump = new TableDump(List.of(new TableDump.ServiceDump(
                plan.service(), Stats.ZERO, List.of(new TableDump.DestinationDump(d, 1, 0, 0, Stats.ZERO)))));
        HealthStatus health = new HealthStatus(
                List.of(new HealthStatus.Service(
                        spec.id(),
                        true,
                        true,
                        List.of(new HealthStatus.Server(server, true, 1, List.of())),
                        List.of(new HealthStatus.TableEntry(server, 1)))),
                new HealthStatus.Scheduler(0, 0, 0, 1, 0, 0, 0));
        String metrics = PrometheusText.render(List.of(), health, null, dump);
        java.util.Set<String> services = new java.util.TreeSet<>();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("service=\"([^\"]*)\"").matcher(metrics);
        while (m.find()) {
            services.add(m.group(1));
        }
        assertEquals(java.util.Set.of(SERVICE), services, metrics);
        assertTrue(metrics.contains("server=\"" + SERVER + "\""), metrics);
        assertTrue(!metrics.contains("0:0:0"), metrics);

        String json = StatusReport.json(List.of(), health);
        assertTrue(json.contains("\"" + SERVICE + "\""), json);
        assertTrue(!json.contains("0:0:0"), json);
    }

    /**
     * A real server written without a port has its virtual server's port in the table; the checks
     * named it by its bare address, so its check's reason never reached the table's log line. One
     * identity: the table's address and port, from the check to /metrics.
     */
    @Test
    void aRealServerWithoutAPortHasTheServicesPortEverywhere() throws Exception {
        String text = """
                virtual_server 198.18.0.100 80 {
                    lb_kind DR
                    protocol TCP
                    real_server 198.18.0.21 {
                        TCP_CHECK {
                            connect_timeout 1
                        }
                    }
                }
                """;
        KeepalivedConfig c = ConfigLoader.loadString("noport.conf", text, Path.of("."), ConfigLoader.Options.defaults())
                .config();
        ServiceSpec spec = CheckerConfigMapper.map(c).get(0);
        TableConfigMapper.ServicePlan plan = TableConfigMapper.map(c).get(0);
        RealServerId server = spec.servers().get(0).id();
        assertEquals("198.18.0.21:80", server.toString());
        assertEquals(List.of(server), List.copyOf(plan.servers().keySet()));

        TableKeeperTest.MemoryDataplane dp = new TableKeeperTest.MemoryDataplane();
        TableKeeper k = new TableKeeper(dp, new DesiredTable(List.of(plan)));
        k.start();
        dp.take();
        k.onHealth(new HealthEvent(spec.id(), server, HealthEvent.Kind.ADD, 1, "TCP_CHECK: connected"));
        k.call(() -> null);
        k.call(() -> null);
        assertEquals(List.of("add 198.18.0.21:80 weight 1 to TCP  198.18.0.100:80 (TCP_CHECK: connected)"), dp.take());
        assertEquals(
                "ok: 198.18.0.21:80 in TCP 198.18.0.100:80 drained (weight 0: keeps its connections, gets no new ones)\n",
                k.drain("198.18.0.100:80", "198.18.0.21", true).get(),
                "the bare address it was named by before still names it");
        k.close();
    }
}
