package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.hadirector.sys.Addresses;
import org.hadirector.sys.RealServerId;
import org.hadirector.sys.ServiceId;
import org.hadirector.vrrp.VrrpState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each line reaches the FIFOs of its kind, in a temporary directory (no root needed). */
class NotifyFifosTest {
    @TempDir
    Path dir;

    private NotifyFifos.Spec spec(String keyword, boolean vrrp, boolean checkers) {
        return new NotifyFifos.Spec(keyword, dir.resolve(keyword).toString(), null, null, null, vrrp, checkers);
    }

    /** What is waiting in the FIFO; FileInputStream, whose available() asks the pipe (FIONREAD). */
    private String drain(String keyword) throws IOException {
        try (InputStream in = new java.io.FileInputStream(dir.resolve(keyword).toFile())) {
            byte[] b = new byte[4096];
            int n = in.available() > 0 ? in.read(b) : 0;
            return new String(b, 0, Math.max(n, 0), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void vrrpLinesToNotifyAndVrrpFifosCheckerLinesToNotifyAndLvsFifos() throws IOException {
        ServiceId fwm = ServiceId.fwmark(7, false);
        NotifyFifos.Plan plan = new NotifyFifos.Plan(
                List.of(
                        spec("notify_fifo", true, true),
                        spec("vrrp_notify_fifo", true, false),
                        spec("lvs_notify_fifo", false, true)),
                Map.of(fwm, ServiceId.UDP));
        try (NotifyFifos f = NotifyFifos.open(plan)) {
            f.instance("VI_1", VrrpState.MASTER, 100);
            f.group("G", VrrpState.MASTER);
            f.realServer(fwm, new RealServerId(Addresses.parse("198.18.0.21"), 0), false);
            f.quorum(fwm, false);
            String vrrp = "INSTANCE \"VI_1\" MASTER 100\nGROUP \"G\" MASTER 0\n";
            String lvs = "RS [198.18.0.21]:udp:0 FWM 7 DOWN\nVS FWM 7 DOWN\n";
            assertEquals(vrrp + lvs, drain("notify_fifo"));
            assertEquals(vrrp, drain("vrrp_notify_fifo"));
            assertEquals(lvs, drain("lvs_notify_fifo"));
            assertEquals(
                    List.of(
                            new NotifyFifos.Count("notify_fifo", 4, 0),
                            new NotifyFifos.Count("vrrp_notify_fifo", 2, 0),
                            new NotifyFifos.Count("lvs_notify_fifo", 2, 0)),
                    f.counts(),
                    "each FIFO once, for /metrics");
            assertEquals(
                    "# HELP hadirector_notify_fifo_lines_total lines written to a notify FIFO, or dropped because it "
                            + "was full (nobody reading)\n"
                            + "# TYPE hadirector_notify_fifo_lines_total counter\n"
                            + "hadirector_notify_fifo_lines_total{fifo=\"lvs_notify_fifo\",result=\"written\"} 2\n"
                            + "hadirector_notify_fifo_lines_total{fifo=\"lvs_notify_fifo\",result=\"dropped\"} 0\n",
                    PrometheusText.notifyFifos(List.of(new NotifyFifos.Count("lvs_notify_fifo", 2, 0))));
        }
        assertFalse(Files.exists(dir.resolve("notify_fifo")), "closed once and removed");
    }

    @Test
    void aDeletedInstanceAndARealServerARemovedWhileUpAreWrittenAsKeepalivedsClearDiff() throws IOException {
        ServiceId web = ServiceId.of(ServiceId.TCP, Addresses.parse("198.18.0.100"), 80);
        NotifyFifos.Plan plan = new NotifyFifos.Plan(List.of(spec("notify_fifo", true, true)), Map.of());
        try (NotifyFifos f = NotifyFifos.open(plan)) {
            // clear_diff_vrrp with notify_deleted; without it the runtime tells FAULT (see VrrpInstanceRuntime)
            f.deleted("VI_1", 100);
            // clear_service_rs: a live real server a reload removed writes its DOWN line (do_rs_notifies)
            f.removed(web, new RealServerId(Addresses.parse("198.18.0.21"), 80));
            // init_service_vs: a virtual server with a sorry server starting without quorum
            f.startedWithoutQuorum(web, 0);
            assertEquals(
                    "INSTANCE \"VI_1\" DELETED 100\nRS [198.18.0.21]:tcp:80 [198.18.0.100]:tcp:80 DOWN\n"
                            + "VS [198.18.0.100]:tcp:80 DOWN\n",
                    drain("notify_fifo"));
        }
    }

    @Test
    void aReloadKeepsUnchangedFifosAndReopensChangedOnes() throws IOException {
        NotifyFifos.Plan one = new NotifyFifos.Plan(List.of(spec("notify_fifo", true, false)), Map.of());
        try (NotifyFifos f = NotifyFifos.open(one)) {
            f.instance("VI_1", VrrpState.BACKUP, 100);
            f.reload(new NotifyFifos.Plan(List.of(spec("notify_fifo", true, false)), Map.of()));
            assertEquals("INSTANCE \"VI_1\" BACKUP 100\n", drain("notify_fifo"), "kept: the line is still there");
            f.instance("VI_1", VrrpState.BACKUP, 100);
            f.reload(new NotifyFifos.Plan(List.of(spec("vrrp_notify_fifo", true, false)), Map.of()));
            assertFalse(Files.exists(dir.resolve("notify_fifo")), "the old one closed and removed");
            assertTrue(Files.exists(dir.resolve("vrrp_notify_fifo")));
            f.instance("VI_1", VrrpState.MASTER, 100);
            assertEquals("INSTANCE \"VI_1\" MASTER 100\n", drain("vrrp_notify_fifo"));
        }
    }
}
