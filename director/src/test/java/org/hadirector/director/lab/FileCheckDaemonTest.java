package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;

/**
 * FILE_CHECK on a real daemon (`hadirector -C` in a namespace, kernel IPVS): two virtual servers
 * with the same real server follow one track_file. init_file writes its first value; the weight
 * in the table is the real server's own plus value x weight, a negative sum is weight 0, the
 * fault value takes the server out, a removed file reads 0; a reload to `weight 0 reverse`
 * makes the file a switch.
 */
class FileCheckDaemonTest {

    static String conf(Path file, String weight) {
        return """
                track_file drain {
                    file %s
                    init_file 2
                }
                virtual_server 198.18.0.100 80 {
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    real_server 198.18.0.21 80 {
                        FILE_CHECK {
                            track_file drain
                            weight %s
                        }
                    }
                }
                virtual_server 198.18.0.101 80 {
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    real_server 198.18.0.21 80 {
                        FILE_CHECK {
                            track_file drain
                            weight %2$s
                        }
                    }
                }
                """.formatted(file, weight);
    }

    static void write(Path p, String text) throws Exception {
        Path tmp = p.resolveSibling("drain.tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void theTableFollowsTheFile() throws Exception {
        try (Lab lab = Lab.create("f", "director1=198.18.0.11")) {
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.101/32", "dev", "e0");
            Path file = lab.dir.resolve("drain");
            Path confFile = lab.write("d1.conf", conf(file, "10"));
            Path sock = lab.controlSocket("director1");
            lab.checksDaemon("director1", confFile);
            waitForStatus(lab, sock, 15_000, "198.18.0.21:80 weight 21", 2);
            assertEquals("2\n", Files.readString(file), "init_file, written with -C");

            write(file, "0\n");
            waitForStatus(lab, sock, 5_000, "198.18.0.21:80 weight 1", 2);
            write(file, "-1\n");
            waitForStatus(lab, sock, 5_000, "198.18.0.21:80 weight 0", 2);
            write(file, "-2147483648\n");
            waitForStatus(lab, sock, 5_000, "FILE_CHECK drain (" + file + ")  down", 2);
            assertTrue(!HealthCheckDaemonTest.status(sock).contains("198.18.0.21:80 weight"), "out of the table");
            Files.delete(file);
            waitForStatus(lab, sock, 5_000, "198.18.0.21:80 weight 1", 2);

            // reload: weight 0 reverse; init_file writes 2 again (the file is missing), non-zero is up
            lab.write("d1.conf", conf(file, "0 reverse"));
            String done = ReloadLabTest.hup(lab, "director1", "director1.pid");
            assertTrue(done.contains("reload done"), done);
            assertEquals("2\n", Files.readString(file));
            waitForStatus(lab, sock, 5_000, "198.18.0.21:80 weight 1", 2);
            write(file, "0\n");
            waitForStatus(lab, sock, 5_000, "FILE_CHECK drain (" + file + ")  down", 2);
        }
    }

    private static void waitForStatus(Lab lab, Path sock, long millis, String line, int times) throws Exception {
        assertTrue(
                Lab.waitFor(
                                millis,
                                Lab.quietly(() -> HealthCheckDaemonTest.status(sock)
                                                        .split(java.util.regex.Pattern.quote(line), -1)
                                                        .length
                                                - 1
                                        == times))
                        >= 0,
                "want " + times + "x: " + line + "\n" + statusOrWhy(sock) + lab.log("director1"));
    }

    private static String statusOrWhy(Path sock) {
        try {
            return HealthCheckDaemonTest.status(sock);
        } catch (RuntimeException e) {
            return "status: " + e.getMessage() + "\n";
        }
    }
}
