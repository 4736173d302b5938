package org.hadirector.healthcheck;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The SSL block as keepalived's init_ssl_ctx loads it, against a real nginx that requires a
 * client certificate signed by a CA of the test's own (ssl_verify_client on): without the block's
 * certificate the SSL_GET fails, with it (an encrypted key and its password) it passes, and a new
 * context handed to a running ProbeIo ({@link ProbeIo#useTls}) is taken by the same probe at its
 * next connection. Files OpenSSL would refuse (a missing certificate, a key of another
 * certificate, a wrong password, a ca that is not PEM) are refused with the file's name.
 */
class TlsClientContextTest {
    private static final long MS = 1_000_000L;

    /** Runs openssl with {@code args} in {@code dir}; fails the test with its output on an error. */
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

    /**
     * A CA (ca.pem / ca-key.pem), a server certificate (server.pem / server-key.pem) and a client
     * certificate signed by the CA (client.pem) whose key is PKCS#8 encrypted with {@code password}
     * (client-key.pem); another client key (other-key.pem) that goes with no certificate.
     */
    static void certificates(Path dir, String password) throws Exception {
        openssl(
                dir,
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
                dir,
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=rs1.example.test",
                "-keyout",
                "server-key.pem",
                "-out",
                "server.pem");
        openssl(
                dir,
                "req",
                "-new",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-subj",
                "/CN=director",
                "-keyout",
                "client-plain-key.pem",
                "-out",
                "client.csr");
        openssl(
                dir,
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
                dir,
                "pkcs8",
                "-topk8",
                "-in",
                "client-plain-key.pem",
                "-out",
                "client-key.pem",
                "-v2",
                "aes-256-cbc",
                "-passout",
                "pass:" + password);
        openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "other-key.pem");
    }

    @Test
    void aClientCertificateTheServerRequiresIsPresentedOnceTheContextHasIt(@TempDir Path dir) throws Exception {
        certificates(dir, "s3cret");
        int port = NginxCheckTest.freePort();
        String servers = """
                server {
                    listen 127.0.0.1:%d ssl;
                    ssl_certificate %2$s/server.pem;
                    ssl_certificate_key %2$s/server-key.pem;
                    ssl_client_certificate %2$s/ca.pem;
                    ssl_verify_client on;
                    location = /health { return 200 "client=$ssl_client_s_dn\\n"; }
                    location = /slow.txt { root %2$s; limit_rate 40k; }
                }""".formatted(port, dir);
        ProbeIo.ClientCertificate block = new ProbeIo.ClientCertificate(
                dir.resolve("client.pem").toFile(),
                dir.resolve("client-key.pem").toFile(),
                "s3cret",
                dir.resolve("ca.pem").toFile());
        try (Nginx nginx = new Nginx(dir, servers, port);
                ProbeIo io = new ProbeIo(1, null)) {
            nginx.start();
            CheckSettings.Url health = new CheckSettings.Url(
                    "/health",
                    List.of(new CheckSettings.StatusRange(200, 299)),
                    NginxCheckTest.md5("client=CN=director\n"),
                    null,
                    false,
                    null);
            Probe probe = io.probe(new CheckSettings.Http(
                    true,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    null,
                    2000 * MS,
                    null,
                    false,
                    List.of(health)));
            ProbeResult without = NginxCheckTest.once(probe);
            assertFalse(without.success(), "nginx answers 400 without a client certificate");
            assertTrue(without.reason().contains("400"), without.reason());

            io.useTls(TlsClientContext.build(block));
            ProbeResult with = NginxCheckTest.once(probe);
            assertTrue(with.success(), "the same probe, the new context: " + with.reason());

            io.useTls(TlsClientContext.build(null));
            assertFalse(NginxCheckTest.once(probe).success(), "and back");

            // a check in flight when the context changes finishes with the one it started with
            String body = "slow\n".repeat(20_000);
            Files.writeString(dir.resolve("slow.txt"), body);
            io.useTls(TlsClientContext.build(block));
            Probe slow = io.probe(new CheckSettings.Http(
                    true,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    null,
                    5000 * MS,
                    null,
                    false,
                    List.of(new CheckSettings.Url(
                            "/slow.txt",
                            List.of(new CheckSettings.StatusRange(200, 299)),
                            NginxCheckTest.md5(body),
                            null,
                            false,
                            null))));
            java.util.concurrent.CompletableFuture<ProbeResult> inFlight =
                    new java.util.concurrent.CompletableFuture<>();
            slow.run(inFlight::complete);
            Thread.sleep(500);
            assertFalse(inFlight.isDone(), "100 kB at 40 kB/s takes over 2 s");
            io.useTls(TlsClientContext.build(null));
            ProbeResult finished = inFlight.get(10, TimeUnit.SECONDS);
            assertTrue(finished.success(), "the check under way kept its context: " + finished.reason());
            assertFalse(NginxCheckTest.once(probe).success(), "the next connection takes the new one");
        }
    }

    @Test
    void filesOpenSslWouldNotLoadAreRefusedByName(@TempDir Path dir) throws Exception {
        certificates(dir, "s3cret");
        java.io.File cert = dir.resolve("client.pem").toFile();
        java.io.File key = dir.resolve("client-key.pem").toFile();
        java.io.File ca = dir.resolve("ca.pem").toFile();
        java.io.File missing = dir.resolve("missing.pem").toFile();
        assertTrue(TlsClientContext.build(new ProbeIo.ClientCertificate(cert, key, "s3cret", ca))
                .description()
                .equals("certificate " + cert + ", key " + key + ", ca " + ca));
        // an unencrypted key takes no password, and a password given anyway is not in the way (OpenSSL's callback)
        TlsClientContext.build(new ProbeIo.ClientCertificate(
                cert, dir.resolve("client-plain-key.pem").toFile(), "unused", null));

        refused(
                "SSL error: cannot load certificate file " + missing,
                new ProbeIo.ClientCertificate(missing, key, "s3cret"));
        refused(
                "SSL error: cannot load key file " + dir.resolve("other-key.pem")
                        + ": the key does not go with the certificate " + cert,
                new ProbeIo.ClientCertificate(cert, dir.resolve("other-key.pem").toFile(), null));
        refused("SSL error: cannot load key file " + key, new ProbeIo.ClientCertificate(cert, key, "wrong"));

        refused("SSL error: cannot load key file " + key, new ProbeIo.ClientCertificate(cert, key, null));
        refused("SSL error: cannot load CA file " + key, new ProbeIo.ClientCertificate(null, null, null, key));
        refused("SSL error: cannot load key file " + missing, new ProbeIo.ClientCertificate(null, missing, null));
        refused(
                "SSL error: cannot load CA file " + missing,
                new ProbeIo.ClientCertificate(cert, key, "s3cret", missing));
    }

    /**
     * OpenSSL's traditional keys, as keepalived's SSL block takes them (`openssl genrsa`, `openssl
     * ecparam -genkey`, and `-aes256` / `-des3` encrypted ones): each is read and goes with its
     * certificate (a signature made with it verifies), and a wrong password is named.
     */
    @Test
    void traditionalRsaAndEcKeysPlainOrEncryptedAreRead(@TempDir Path dir) throws Exception {
        openssl(dir, "genrsa", "-traditional", "-out", "rsa.pem", "2048");
        openssl(
                dir,
                "req",
                "-new",
                "-x509",
                "-key",
                "rsa.pem",
                "-subj",
                "/CN=rsa",
                "-days",
                "1",
                "-out",
                "rsa-cert.pem");
        openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec.pem");
        openssl(dir, "req", "-new", "-x509", "-key", "ec.pem", "-subj", "/CN=ec", "-days", "1", "-out", "ec-cert.pem");
        openssl(dir, "rsa", "-in", "rsa.pem", "-traditional", "-aes256", "-passout", "pass:pw", "-out", "rsa-aes.pem");
        openssl(dir, "rsa", "-in", "rsa.pem", "-traditional", "-des3", "-passout", "pass:pw", "-out", "rsa-des3.pem");
        openssl(dir, "ec", "-in", "ec.pem", "-aes128", "-passout", "pass:pw", "-out", "ec-aes.pem");
        for (String[] c : new String[][] {
            {"rsa-cert.pem", "rsa.pem", null},
            {"rsa-cert.pem", "rsa-aes.pem", "pw"},
            {"rsa-cert.pem", "rsa-des3.pem", "pw"},
            {"ec-cert.pem", "ec.pem", null},
            {"ec-cert.pem", "ec-aes.pem", "pw"}
        }) {
            String form = "-----BEGIN " + (c[1].startsWith("ec") ? "EC" : "RSA") + " PRIVATE KEY-----";
            assertTrue(Files.readString(dir.resolve(c[1])).startsWith(form), c[1] + " is OpenSSL's traditional form");
            TlsClientContext.build(new ProbeIo.ClientCertificate(
                    dir.resolve(c[0]).toFile(), dir.resolve(c[1]).toFile(), c[2]));
        }
        java.io.File cert = dir.resolve("rsa-cert.pem").toFile();
        java.io.File aes = dir.resolve("rsa-aes.pem").toFile();
        refused(
                "SSL error: cannot load key file " + aes + ": cannot decrypt it with the SSL block's password",
                new ProbeIo.ClientCertificate(cert, aes, "wrong"));
        refused(
                "SSL error: cannot load key file " + aes + ": the key is encrypted and the SSL block has no password",
                new ProbeIo.ClientCertificate(cert, aes, null));
        refused(
                "SSL error: cannot load key file " + dir.resolve("ec.pem")
                        + ": the key does not go with the certificate",
                new ProbeIo.ClientCertificate(cert, dir.resolve("ec.pem").toFile(), null));
    }

    private static void refused(String prefix, ProbeIo.ClientCertificate block) {
        SSLException e = assertThrows(SSLException.class, () -> TlsClientContext.build(block));
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
    }
}
