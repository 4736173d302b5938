package org.hadirector.ipvs.dr;

import java.io.IOException;
import java.util.Optional;
import org.hadirector.ipvs.xdp.XdpProgram;
import org.hadirector.sys.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The XDP program as the forwarder's {@link FastPath}: connections written to and read from its map. */
final class XdpOffload implements FastPath {
    private static final Logger LOG = LoggerFactory.getLogger(XdpOffload.class);

    private final XdpProgram program;
    private final RateLimitedLog failures;
    private final byte[] mac = new byte[6];
    private long offered;
    private long refused;

    XdpOffload(XdpProgram program) {
        this.program = program;
        this.failures = RateLimitedLog.everyPeriod();
    }

    /** The map's key of a connection: xdp_dr.c's struct conn_key, addresses and ports in network order. */
    static byte[] key(DrConnection c) {
        return XdpProgram.key4(c.clientAddress, c.clientPort, c.virtualAddress, c.virtualPort, c.protocol);
    }

    @Override
    public boolean offer(DrConnection c, long m) {
        for (int i = 0; i < 6; i++) {
            mac[i] = (byte) (m >>> (8 * (5 - i)));
        }
        try {
            if (program.put(key(c), mac, c.server.address)) {
                offered++;
                return true;
            }
            refused++;
        } catch (IOException e) {
            refused++;
            fail("a connection not given to the XDP program", e);
        }
        return false;
    }

    @Override
    public void withdraw(DrConnection c) {
        try {
            program.remove(key(c));
        } catch (IOException e) {
            fail("a connection not taken from the XDP program", e);
        }
    }

    @Override
    public Seen seen(DrConnection c) {
        try {
            Optional<XdpProgram.Seen> s = program.seen(key(c));
            return s.map(v -> new Seen(v.packets(), v.bytes(), v.lastNanos())).orElse(null);
        } catch (IOException e) {
            fail("a connection's counts not read from the XDP program", e);
            return null;
        }
    }

    private void fail(String what, IOException e) {
        long n = failures.admit(System.nanoTime());
        if (n > 0) {
            LOG.warn(
                    "dr {}: {}: {}{}",
                    program.interfaceName(),
                    what,
                    e.getMessage(),
                    RateLimitedLog.notLogged(n - 1, failures.total()));
        }
    }

    long offered() {
        return offered;
    }

    long refused() {
        return refused;
    }
}
