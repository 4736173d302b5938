package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hadirector.sys.NetNs;
import org.hadirector.sys.RawIpSocket;
import org.hadirector.vrrp.codec.Advertisement;
import org.hadirector.vrrp.codec.AdvertisementCodec;
import org.junit.jupiter.api.Test;

/**
 * A master flooded with valid lower-priority adverts (what a misconfigured or hostile peer can
 * send at line rate): it stays master, answers at most once an advert interval, and logs a few
 * lines, not one for each advert. Before issue 13 it answered and logged each one (403,000 in 10 s).
 */
class LowerPriorityFloodTest {
    static final String VIP = "198.18.0.100";
    static final Pattern COUNTS = Pattern.compile("adverts sent (\\d+), received (\\d+)");

    private static long[] counts(Lab lab) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        int rc = new org.hadirector.director.MainAccess()
                .run(ps, "status", "--control", lab.dir.resolve("d1.sock").toString());
        String s = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, rc, s);
        Matcher m = COUNTS.matcher(s);
        assertTrue(m.find(), s);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
    }

    @Test
    void aMasterFloodedWithLowerPriorityAdvertsAnswersOnceAnIntervalAndLogsAFewLines() throws Exception {
        try (Lab lab = Lab.create("lpf", "director1=198.18.0.11", "peer=198.18.0.12")) {
            lab.director(
                    "director1",
                    "-P",
                    "-l",
                    "-f",
                    lab.write("d1.conf", VrrpFailoverTest.conf("MASTER", 150, "1", 2))
                            .toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    lab.dir.resolve("d1.sock").toString());
            long ms = Lab.waitFor(15_000, Lab.quietly(() -> lab.hasAddress("director1", VIP)));
            assertTrue(ms >= 0, "director1 never became master:\n" + lab.log("director1"));
            Thread.sleep(500);
            long[] before = counts(lab);

            // the peer: valid VRRPv2 adverts for VRID 51 with priority 100 (ours 150), for 10 s
            byte[] advert = AdvertisementCodec.encode(
                    Advertisement.v2(51, 100, 1, null, List.of(InetAddress.getByName(VIP))),
                    InetAddress.getByName("198.18.0.12"),
                    InetAddress.getByName("224.0.0.18"),
                    AdvertisementCodec.V3Checksum.RFC5798);
            AtomicLong sent = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            Thread flood = new Thread(
                    () -> {
                        try {
                            NetNs.enter(lab.ns("peer"));
                            try (RawIpSocket s = RawIpSocket.open("e0", false, 112)) {
                                s.sendOnly();
                                s.bind(InetAddress.getByName("198.18.0.12"));
                                InetAddress group = InetAddress.getByName("224.0.0.18");
                                long end = System.nanoTime() + 10_000_000_000L;
                                for (long i = 0; i < 5_000_000 && System.nanoTime() - end < 0; i++) {
                                    try {
                                        s.send(advert, group);
                                        sent.incrementAndGet();
                                    } catch (org.hadirector.sys.NativeException e) {
                                        failed.incrementAndGet(); // a full socket buffer: sent again at once
                                    }
                                }
                            }
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    },
                    "flood");
            flood.start();
            flood.join(30_000);
            Thread.sleep(500);
            long[] after = counts(lab);
            long answered = after[0] - before[0];
            long heard = after[1] - before[1];
            String log = lab.log("director1");
            long lines = log.lines().filter(l -> l.contains("lower priority")).count();
            String report =
                    "flood: " + sent.get() + " adverts sent in 10 s (" + failed.get() + " sends refused); master heard "
                            + heard + ", sent " + answered + " adverts, " + lines + " log lines about them";
            System.out.println(report);
            log.lines().filter(l -> l.contains("lower priority")).forEach(System.out::println);
            assertTrue(lab.hasAddress("director1", VIP), "still master:\n" + log);
            assertTrue(heard > 10_000, "the flood reached the master: " + report);
            // 10.5 s at advert_int 1: 11 periodic adverts and as many answers at most, with a margin
            assertTrue(answered <= 25, report);
            assertTrue(lines <= 3, report + "\n" + log);
        }
    }
}
