package org.hadirector.vrrp.codec;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random and mutated packets: every outcome is an advertisement or an AdvertisementException. */
class AdvertisementFuzzTest {

    @Test
    void mutatedAndRandomPacketsNeverThrowAnythingElse() throws Exception {
        Random r = new Random(Long.getLong("fuzz.seed", 5798L));
        String[] names = {"v2-pass", "v2-none", "v3-ipv4", "v3-ipv6", "v3-unicast"};
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < 200_000; i++) {
            byte[] pkt = AdvertisementCodecTest.captured(names[r.nextInt(names.length)]);
            byte[] b;
            int len;
            if (r.nextInt(10) == 0) {
                b = new byte[r.nextInt(120)];
                r.nextBytes(b);
                len = b.length;
            } else {
                b = pkt.clone();
                for (int k = r.nextInt(4); k >= 0; k--) {
                    b[r.nextInt(b.length)] = (byte) r.nextInt(256);
                }
                len = r.nextInt(8) == 0 ? r.nextInt(b.length + 1) : b.length;
            }
            try {
                IpPacket ip = IpPacket.parse(b, len);
                InetAddress src = ip.source();
                Advertisement a = AdvertisementCodec.decode(
                        b, ip.payloadOffset(), ip.payloadLength(), src, ip.destination(), r.nextBoolean());
                assertNotNull(a);
                assertTrue(a.vrid() >= 1 && a.vrid() <= 255);
                accepted++;
            } catch (AdvertisementException e) {
                assertNotNull(e.reason());
                rejected++;
            }
        }
        assertTrue(accepted > 1000, "accepted " + accepted);
        assertTrue(rejected > 1000, "rejected " + rejected);
    }
}
