package org.hadirector.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.hadirector.conf.model.GlobalDefs;
import org.junit.jupiter.api.Test;

/** notify_fifo and notify_fifo_script fill one FIFO, in either order, as keepalived's one struct. */
class NotifyFifoReaderTest {
    private static ConfigLoader.Result load(String globals) throws ConfigException {
        return ConfigLoader.loadString(
                "fifo.conf",
                "global_defs {\n" + globals + "}\n",
                Corpus.root().resolve("valid"),
                Corpus.options("main"));
    }

    @Test
    void fifoAndScriptInEitherOrder() throws ConfigException {
        ConfigLoader.Result r = load("""
                vrrp_notify_fifo_script "/usr/local/bin/reader -v" nobody
                vrrp_notify_fifo /run/vrrp.fifo nobody nogroup
                notify_fifo /run/all.fifo
                lvs_notify_fifo /run/lvs.fifo
                lvs_notify_fifo_script /usr/local/bin/lvs-reader
                """);
        GlobalDefs g = r.config().globalDefs();
        assertEquals("/run/vrrp.fifo", g.vrrpNotifyFifo().path());
        assertEquals("nobody", g.vrrpNotifyFifo().user());
        assertEquals("nogroup", g.vrrpNotifyFifo().group());
        assertEquals("/usr/local/bin/reader -v", g.vrrpNotifyFifo().script().command());
        assertEquals("nobody", g.vrrpNotifyFifo().script().user());
        assertNull(g.notifyFifo().script());
        assertNull(g.notifyFifo().user());
        assertEquals("/usr/local/bin/lvs-reader", g.lvsNotifyFifo().script().command());
        assertTrue(r.warnings().isEmpty(), () -> r.warnings().toString());
    }

    @Test
    void scriptWithoutFifoIsKeptAsKeepalivedKeepsIt() throws ConfigException {
        GlobalDefs g = load("notify_fifo_script /bin/cat\n").config().globalDefs();
        assertNull(g.notifyFifo());
    }
}
