package org.hadirector.healthcheck;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;

/**
 * SSL_GET's client TLS context, built from the SSL block as keepalived's init_ssl_ctx builds its
 * SSL_CTX: the certificate chain, the key (PKCS#8, or OpenSSL's traditional RSA and EC forms,
 * {@link TraditionalPemKey}; decrypted with the password) and the ca are read when
 * it is built, and a file OpenSSL would not load (unreadable, not PEM, a key that does not go
 * with the certificate, a wrong password) is refused with the file's name, as keepalived's
 * "SSL error : Cant load ... file". Any server certificate is trusted, as keepalived never sets
 * SSL_VERIFY_PEER. Immutable: a reload builds a new one, and a connection keeps the one it
 * started with.
 */
public final class TlsClientContext {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TlsClientContext.class);

    private final SslContext context;
    private final String description;

    private TlsClientContext(SslContext context, String description) {
        this.context = context;
        this.description = description;
    }

    /** The context of {@code block} (null: no SSL block, keepalived's "autogen" context). */
    public static TlsClientContext build(ProbeIo.ClientCertificate block) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE);
        StringBuilder what = new StringBuilder();
        if (block != null) {
            X509Certificate[] chain = null;
            if (block.certificate() != null) {
                chain = Pem.certificates(block.certificate());
                what.append("certificate ").append(block.certificate());
            }
            if (block.key() != null) {
                PrivateKey key = Pem.key(block.key(), block.password());
                if (chain != null && !matches(key, chain[0].getPublicKey())) {
                    throw new SSLException("SSL error: cannot load key file " + block.key()
                            + ": the key does not go with the certificate " + block.certificate());
                }
                if (chain != null) {
                    // as OpenSSL, a client certificate is presented only with its key
                    b.keyManager(key, chain);
                }
                what.append(what.isEmpty() ? "" : ", ").append("key ").append(block.key());
            }
            if (block.ca() != null) {
                int n = loadCa(block.ca());
                LOG.info(
                        "SSL_GET: ca {} loaded ({} certificate(s)); real servers' certificates are not verified against it, as keepalived does not",
                        block.ca(),
                        n);
                what.append(what.isEmpty() ? "" : ", ").append("ca ").append(block.ca());
            }
        }
        return new TlsClientContext(b.build(), what.isEmpty() ? "no SSL block files" : what.toString());
    }

    /** What it was built from, for the log: the SSL block's files. */
    public String description() {
        return description;
    }

    /** A client engine, with {@code sniHost} as the server name when not null. */
    SSLEngine newEngine(String sniHost, int port) {
        return sniHost != null
                ? context.newEngine(ByteBufAllocator.DEFAULT, sniHost, port)
                : context.newEngine(ByteBufAllocator.DEFAULT);
    }

    /**
     * Reads the ssl block's ca as keepalived's SSL_CTX_load_verify_locations does (PEM, at least
     * one certificate), so that a missing or unreadable file stops the checks as it stops
     * keepalived's checker ("SSL error : Cant load CA file..."). keepalived never asks OpenSSL to
     * verify the peer (no SSL_VERIFY_PEER), so the certificates are only counted.
     */
    static int loadCa(File ca) throws SSLException {
        byte[] bytes;
        try {
            bytes = java.nio.file.Files.readAllBytes(ca.toPath());
        } catch (java.io.IOException e) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": " + e);
        }
        if (!new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains("-----BEGIN ")) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": not PEM");
        }
        try {
            java.util.Collection<? extends java.security.cert.Certificate> certs =
                    java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificates(new java.io.ByteArrayInputStream(bytes));
            if (certs.isEmpty()) {
                throw new SSLException("SSL error: cannot load CA file " + ca + ": no certificate in it");
            }
            return certs.size();
        } catch (java.security.cert.CertificateException e) {
            throw new SSLException("SSL error: cannot load CA file " + ca + ": " + e.getMessage());
        }
    }

    /**
     * Whether {@code key} is the private half of {@code pub}, as OpenSSL's SSL_CTX_use_PrivateKey
     * checks (X509_check_private_key): a signature made with one is verified with the other. Key
     * types this does not know are left to the handshake.
     */
    static boolean matches(PrivateKey key, PublicKey pub) throws SSLException {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
            return false;
        }
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "Ed25519", "Ed448", "EdDSA" -> key.getAlgorithm();
            default -> null;
        };
        if (algorithm == null) {
            return true;
        }
        byte[] probe = "hadirector: does this key go with this certificate"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(algorithm);
            s.initSign(key);
            s.update(probe);
            byte[] signature = s.sign();
            Signature v = Signature.getInstance(algorithm);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** netty's PEM readers (the ones its builder uses), with each file named in the error. */
    private abstract static class Pem extends SslContext {
        static X509Certificate[] certificates(File f) throws SSLException {
            if (!f.canRead()) {
                throw new SSLException("SSL error: cannot load certificate file " + f + ": cannot read it");
            }
            try {
                X509Certificate[] chain = toX509Certificates(f);
                if (chain == null || chain.length == 0) {
                    throw new SSLException("SSL error: cannot load certificate file " + f + ": no certificate in it");
                }
                return chain;
            } catch (java.security.cert.CertificateException | RuntimeException e) {
                throw new SSLException("SSL error: cannot load certificate file " + f + ": " + e.getMessage(), e);
            }
        }

        static PrivateKey key(File f, String password) throws SSLException {
            if (!f.canRead()) {
                throw new SSLException("SSL error: cannot load key file " + f + ": cannot read it");
            }
            String pem;
            try {
                pem = java.nio.file.Files.readString(f.toPath(), java.nio.charset.StandardCharsets.ISO_8859_1);
            } catch (java.io.IOException e) {
                throw new SSLException("SSL error: cannot load key file " + f + ": " + e, e);
            }
            try {
                if (TraditionalPemKey.isTraditional(pem)) {
                    return TraditionalPemKey.read(pem, password);
                }
                // OpenSSL asks for the password only for an encrypted key; netty would try it on any
                boolean encrypted = pem.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----");
                if (encrypted && password == null) {
                    throw new GeneralSecurityException("the key is encrypted and the SSL block has no password");
                }
                PrivateKey k;
                try {
                    k = toPrivateKey(f, encrypted ? password : null);
                } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
                    String why = e.getMessage() != null ? e.getMessage() : e.toString();
                    throw new GeneralSecurityException(
                            encrypted ? "cannot decrypt it with the SSL block's password (" + why + ")" : why, e);
                }
                if (k == null) {
                    throw new GeneralSecurityException("no key in it");
                }
                return k;
            } catch (GeneralSecurityException e) {
                throw new SSLException("SSL error: cannot load key file " + f + ": " + e.getMessage(), e);
            }
        }
    }
}
