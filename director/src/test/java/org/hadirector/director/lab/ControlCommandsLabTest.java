package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Random request lines at the control socket of a director that has something to act on: a
 * master VRRP instance and a DR table with a real server whose check passes (a real daemon in
 * network namespaces, the userspace forwarder). ControlCommandsTest's version runs against a
 * director with no parts, where no request could act; here one could, and none that is not an
 * exact command may: no transition, no table operation, no drain.
 */
class ControlCommandsLabTest {
    static final String CONF = """
            vrrp_instance VI_1 {
                state MASTER
                interface e0
                virtual_router_id 61
                priority 150
                advert_int 1
                virtual_ipaddress {
                    198.18.0.100/32 dev e0
                }
            }
            virtual_server 198.18.0.100 80 {
                delay_loop 1
                lvs_sched rr
                lvs_method DR
                protocol TCP
                real_server 198.18.0.21 80 {
                    TCP_CHECK {
                        connect_timeout 1
                    }
                }
            }
            """;

    /** One request line, its whole answer (the socket answers one request per connection). */
    static String ask(Path sock, String line) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(sock));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.shutdownOutput();
            java.io.ByteArrayOutputStream answer = new java.io.ByteArrayOutputStream();
            ByteBuffer in = ByteBuffer.allocate(8192);
            long end = System.nanoTime() + 10_000_000_000L;
            while (ch.read(in) >= 0 && System.nanoTime() < end) {
                answer.write(in.array(), 0, in.position());
                in.clear();
            }
            return answer.toString(StandardCharsets.UTF_8);
        }
    }

    static long number(String text, String pattern) {
        Matcher m = Pattern.compile(pattern).matcher(text);
        assertTrue(m.find(), pattern + " in\n" + text);
        return Long.parseLong(m.group(1));
    }

    @Test
    void randomLinesNeverActOnARunningDirector() throws Exception {
        try (Lab lab = Lab.create("cc", "director1=198.18.0.11", "rs1=198.18.0.21")) {
            lab.nginx("rs1");
            Path sock = lab.dir.resolve("d1.sock");
            lab.director(
                    "director1",
                    "-l",
                    "-f",
                    lab.write("d1.conf", CONF).toString(),
                    "--pid-file",
                    lab.dir.resolve("d1.pid").toString(),
                    "--control",
                    sock.toString());
            assertTrue(
                    Lab.waitFor(
                                    60_000,
                                    Lab.quietly(() -> ask(sock, "status").contains("VI_1  MASTER")
                                            && ask(sock, "ipvs -L -n").contains("198.18.0.21:80")))
                            >= 0,
                    "VI_1 master with rs1 in the table:\n" + lab.log("director1"));
            String status = ask(sock, "status");
            long transitions = number(status, "transitions (\\d+)");
            long ops = number(status, "table operations (\\d+) applied");
            String table = ask(sock, "ipvs -L -n");

            java.util.SplittableRandom r = new java.util.SplittableRandom(7);
            // The names that exist, and near misses of the verbs that act (never the verbs themselves,
            // so that no line here is an exact command that may act).
            String[] words = {
                "status",
                "json",
                "ipvs",
                "-L",
                "-n",
                "-c",
                "--stats",
                "--rate",
                "vrrp",
                "Demote",
                "demote!",
                "promote\u0000",
                "PROMOTE",
                "VI_1",
                "VI_1\u0000",
                "real-server",
                "drain,",
                "enable.",
                "DRAIN",
                "198.18.0.100:80",
                "TCP",
                "198.18.0.21:80",
                "fault-inject",
                "dataplane",
                "table",
                "checks",
                " ",
                "%s",
                "ok:"
            };
            int answered = 0;
            for (int i = 0; i < 2_000; i++) {
                StringBuilder b = new StringBuilder();
                int n = r.nextInt(6);
                for (int w = 0; w < n; w++) {
                    if (r.nextInt(5) == 0) {
                        for (int k = r.nextInt(8); k > 0; k--) {
                            char c = (char) r.nextInt(0x3000);
                            b.append(c == '\n' || c == '\r' ? '?' : c);
                        }
                    } else {
                        b.append(words[r.nextInt(words.length)]);
                    }
                    b.append(r.nextInt(10) == 0 ? "\t" : " ");
                }
                String answer = ask(sock, b.toString());
                assertTrue(!answer.startsWith("ok"), "'" + b + "' acted: " + answer);
                answered += answer.isEmpty() ? 0 : 1;
            }
            assertTrue(answered > 1_000, "the socket answered " + answered + " of 2,000");
            String after = ask(sock, "status");
            assertTrue(after.contains("VI_1  MASTER"), after);
            assertEquals(transitions, number(after, "transitions (\\d+)"), "no transition");
            assertEquals(ops, number(after, "table operations (\\d+) applied"), "no table operation");
            assertTrue(after.contains("parts: all"), after);
            assertEquals(
                    table.replaceAll("[0-9]+\\s*\\n", "\n"),
                    ask(sock, "ipvs -L -n").replaceAll("[0-9]+\\s*\\n", "\n"));
            // and an exact command still acts: the socket was not simply deaf
            assertTrue(ask(sock, "real-server drain 198.18.0.100:80 198.18.0.21:80")
                    .startsWith("ok"));
            assertTrue(Lab.waitFor(
                            5_000,
                            Lab.quietly(() -> number(ask(sock, "status"), "table operations (\\d+) applied") > ops))
                    >= 0);
        }
    }
}
