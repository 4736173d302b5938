package org.hadirector.director.lab;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SSL_GET's SSL block at a reload, as keepalived's reload rebuilds its SSL_CTX (init_ssl_ctx,
 * from the files, whenever an SSL_GET needs it): `hadirector -C` in a namespace checks a real
 * nginx that requires a client certificate signed by the test's CA (ssl_verify_client on).
 * A start whose ca is not a certificate is refused by name. Started without the SSL block the
 * real server is down; a SIGHUP that adds the block brings it
 * up; a reload whose ca is not a certificate, or whose key goes with another certificate, is
 * rejected by name and the checks go on with the context they have (the server stays up, nginx
 * still sees the checks); a reload after the certificate and key files changed on disk, same
 * paths, takes the new files (a certificate the CA did not sign: down).
 */
class SslReloadLabTest {
    static final String RS = "198.18.0.21:443";

    static String conf(String ssl) {
        return ssl + """
                virtual_server 198.18.0.100 443 {
                    delay_loop 0.5
                    lvs_sched rr
                    lvs_method DR
                    protocol TCP
                    real_server 198.18.0.21 443 {
                        SSL_GET {
                            url {
                                path /health
                                status_code 200
                            }
                            connect_timeout 1
                            retry 1
                            delay_before_retry 0.2
                        }
                    }
                }
                """;
    }

    static String ssl(Path cert, Path key, String password, Path ca) {
        return """
                SSL {
                    password %s
                    certificate %s
                    key %s
                    ca %s
                }
                """.formatted(password, cert, key, ca);
    }

    static void openssl(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Path log = dir.resolve("openssl.log");
        Process p = new ProcessBuilder(cmd)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(
                p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0,
                String.join(" ", cmd) + ": " + Files.readString(log));
    }

    @Test
    void aReloadRebuildsTheTlsContextAndABadSslBlockIsRejected() throws Exception {
        try (Lab lab = Lab.create("s", "director1=198.18.0.11", "rs1=198.18.0.21")) {
            Path d = lab.dir;
            openssl(
                    d,
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=Test CA",
                    "-keyout",
                    "ca-key.pem",
                    "-out",
                    "ca.pem");
            openssl(
                    d,
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=rs1",
                    "-keyout",
                    "server-key.pem",
                    "-out",
                    "server.pem");
            openssl(
                    d,
                    "req",
                    "-new",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-subj",
                    "/CN=director",
                    "-keyout",
                    "plain-key.pem",
                    "-out",
                    "client.csr");
            openssl(
                    d,
                    "x509",
                    "-req",
                    "-in",
                    "client.csr",
                    "-CA",
                    "ca.pem",
                    "-CAkey",
                    "ca-key.pem",
                    "-CAcreateserial",
                    "-days",
                    "1",
                    "-out",
                    "client.pem");
            openssl(
                    d,
                    "pkcs8",
                    "-topk8",
                    "-in",
                    "plain-key.pem",
                    "-out",
                    "client-key.pem",
                    "-v2",
                    "aes-256-cbc",
                    "-passout",
                    "pass:s3cret");
            // a pair the CA did not sign, for the files that change on disk
            openssl(
                    d,
                    "req",
                    "-x509",
                    "-newkey",
                    "rsa:2048",
                    "-nodes",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=rogue",
                    "-keyout",
                    "rogue-key.pem",
                    "-out",
                    "rogue.pem");
            Path access = d.resolve("ssl-access.log");
            lab.nginx("rs1", """
                    server {
                        listen 443 ssl;
                        ssl_certificate %1$s/server.pem;
                        ssl_certificate_key %1$s/server-key.pem;
                        ssl_client_certificate %1$s/ca.pem;
                        ssl_verify_client on;
                        access_log %2$s;
                        location = /health { return 200 "client=$ssl_client_s_dn\\n"; }
                    }""".formatted(d, access));
            Lab.run("ip", "-n", lab.ns("director1"), "addr", "add", "198.18.0.100/32", "dev", "e0");
            Path sock = d.resolve("d1.sock");
            // at start, as at a reload: a block that cannot be loaded is refused by name
            Path badCa = d.resolve("ca-key.pem");
            Process refused = lab.director(
                    "director1",
                    "-C",
                    "-l",
                    "-f",
                    lab.write(
                                    "bad.conf",
                                    conf(ssl(d.resolve("client.pem"), d.resolve("client-key.pem"), "s3cret", badCa)))
                            .toString(),
                    "--pid-file",
                    d.resolve("bad.pid").toString());
            assertTrue(refused.waitFor(30, TimeUnit.SECONDS), "a start with a bad SSL block ends");
            assertTrue(
                    refused.exitValue() != 0
                            && lab.log("director1").contains("cannot start: SSL error: cannot load CA file " + badCa),
                    lab.log("director1"));
            Path confFile = lab.write("d1.conf", conf(""));
            lab.director(
                    "director1",
                    "-C",
                    "-l",
                    "-f",
                    confFile.toString(),
                    "--pid-file",
                    d.resolve("d1.pid").toString(),
                    "--control",
                    sock.toString());
            waitForStatus(lab, sock, 15_000, RS + "  DOWN");
            assertTrue(Files.readString(access).contains("\" 400 "), Files.readString(access));

            Path cert = d.resolve("client.pem");
            Path key = d.resolve("client-key.pem");
            Path ca = d.resolve("ca.pem");
            lab.write("d1.conf", conf(ssl(cert, key, "s3cret", ca)));
            String done = ReloadLabTest.hup(lab, "director1", "d1.pid");
            assertTrue(done.contains("reload done"), done);
            waitForStatus(lab, sock, 5_000, RS + "  UP");
            assertTrue(
                    lab.log("director1")
                            .contains("SSL_GET: the TLS context is now built from the SSL block's certificate " + cert
                                    + ", key " + key + ", ca " + ca),
                    lab.log("director1"));

            // a bad block: rejected by name, and the checks go on with the context they have
            lab.write("d1.conf", conf(ssl(cert, key, "s3cret", d.resolve("ca-key.pem"))));
            String rejected = ReloadLabTest.hup(lab, "director1", "d1.pid");
            assertTrue(
                    rejected.contains("reload rejected, the running configuration stays: SSL_GET: the SSL block cannot "
                            + "be loaded (SSL error: cannot load CA file " + d.resolve("ca-key.pem")),
                    rejected);
            lab.write("d1.conf", conf(ssl(cert, d.resolve("rogue-key.pem"), "s3cret", ca)));
            rejected = ReloadLabTest.hup(lab, "director1", "d1.pid");
            assertTrue(
                    rejected.contains("SSL error: cannot load key file " + d.resolve("rogue-key.pem")
                            + ": the key does not go with the certificate " + cert),
                    rejected);
            long before = Files.readAllLines(access).size();
            assertTrue(
                    Lab.waitFor(
                                    5_000,
                                    Lab.quietly(() -> Files.readAllLines(access).size() >= before + 4))
                            >= 0,
                    "the checks go on after the rejected reloads");
            List<String> lines = Files.readAllLines(access);
            assertTrue(lines.get(lines.size() - 1).contains("\" 200 "), lines.get(lines.size() - 1));
            assertTrue(
                    ReloadLabTest.status(lab, "d1.sock").contains(RS + "  UP"), ReloadLabTest.status(lab, "d1.sock"));

            // the same paths, new files on disk: a reload reads them again
            lab.write("d1.conf", conf(ssl(cert, key, "s3cret", ca)));
            Files.copy(d.resolve("rogue.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(d.resolve("rogue-key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
            done = ReloadLabTest.hup(lab, "director1", "d1.pid");
            assertTrue(done.contains("reload done"), done);
            waitForStatus(lab, sock, 5_000, RS + "  DOWN");
        }
    }

    private static void waitForStatus(Lab lab, Path sock, long millis, String line) throws Exception {
        assertTrue(
                Lab.waitFor(
                                millis,
                                Lab.quietly(
                                        () -> HealthCheckDaemonTest.status(sock).contains(line)))
                        >= 0,
                "want: " + line + "\n" + lab.log("director1"));
    }
}
