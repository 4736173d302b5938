package org.hadirector.director;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.hadirector.conf.model.KeepalivedConfig;
import org.hadirector.sys.ServiceId;
import org.junit.jupiter.api.Test;

/** Which FIFOs a plan opens for -P / -C, their owners and scripts. */
class NotifyFifosPlanTest {
    private static final String FILE = """
            global_defs {
                script_user nobody
                notify_fifo /run/hd-all.fifo
                notify_fifo_script "/usr/local/bin/reader -q" root
                vrrp_notify_fifo /run/hd-vrrp.fifo daemon
                lvs_notify_fifo /run/hd-lvs.fifo
            }
            virtual_server fwmark 7 {
                real_server 198.18.0.21 {
                }
            }
            virtual_server fwmark 8 {
                protocol UDP
                real_server 198.18.0.22 {
                }
            }
            """;

    @Test
    void eachPartItsFifosAndNotifyFifoWithEither() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(FILE);
        List<NotifyFifos.Spec> both = NotifyFifos.Plan.of(c, true, true).fifos();
        assertEquals(
                List.of("notify_fifo", "vrrp_notify_fifo", "lvs_notify_fifo"),
                both.stream().map(NotifyFifos.Spec::keyword).toList());
        NotifyFifos.Spec all = both.get(0);
        assertEquals(true, all.vrrpLines());
        assertEquals(true, all.checkerLines());
        // The script's own user (root: as written, no setpriv); the path is appended when it starts.
        assertEquals(List.of("/usr/local/bin/reader", "-q"), all.script());
        // No user of its own: script_user's.
        assertEquals("nobody", all.user());
        assertEquals("daemon", both.get(1).user());
        assertNull(both.get(1).script());

        List<NotifyFifos.Spec> vrrpOnly = NotifyFifos.Plan.of(c, true, false).fifos();
        assertEquals(
                List.of("notify_fifo", "vrrp_notify_fifo"),
                vrrpOnly.stream().map(NotifyFifos.Spec::keyword).toList());
        assertEquals(false, vrrpOnly.get(0).checkerLines());
        assertEquals(
                List.of("notify_fifo", "lvs_notify_fifo"),
                NotifyFifos.Plan.of(c, false, true).fifos().stream()
                        .map(NotifyFifos.Spec::keyword)
                        .toList());
    }

    @Test
    void aFwmarkServiceWritesItsProtocolOrNone() throws Exception {
        KeepalivedConfig c = DirectorPlanTest.config(FILE);
        assertEquals(
                Map.of(ServiceId.fwmark(7, false), 0, ServiceId.fwmark(8, false), ServiceId.UDP),
                NotifyFifos.Plan.of(c, false, true).fwmarkProtocols());
    }
}
