package org.hadirector.healthcheck;

import java.io.ByteArrayOutputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * OpenSSL's "traditional" private keys, which OpenSSL (and so keepalived's SSL block) reads and
 * the JDK does not: `BEGIN RSA PRIVATE KEY` (PKCS#1) and `BEGIN EC PRIVATE KEY` (SEC1), plain or
 * encrypted with a `Proc-Type: 4,ENCRYPTED` / `DEK-Info` header (the key derived from the
 * password as OpenSSL's EVP_BytesToKey with MD5 derives it). Each is rewrapped as PKCS#8 for the
 * JDK. Pure: text in, key out.
 */
final class TraditionalPemKey {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN (RSA|EC|DSA) PRIVATE KEY-----\\r?\\n(.*?)-----END \\1 PRIVATE KEY-----", Pattern.DOTALL);
    private static final Pattern DEK_INFO = Pattern.compile("DEK-Info:\\s*([A-Za-z0-9-]+)\\s*,\\s*([0-9A-Fa-f]+)");

    private static final byte[] RSA_ALGORITHM = HexFormat.of().parseHex("300d06092a864886f70d0101010500");
    private static final byte[] EC_PUBLIC_KEY_OID = HexFormat.of().parseHex("06072a8648ce3d0201");

    private TraditionalPemKey() {}

    /** Whether {@code pem} holds a traditional key (else it is PKCS#8, or no key at all). */
    static boolean isTraditional(String pem) {
        return BLOCK.matcher(pem).find();
    }

    /**
     * The key in {@code pem}, decrypted with {@code password} when its header says it is
     * encrypted; the message says what is wrong otherwise (a missing or wrong password among them).
     */
    static PrivateKey read(String pem, String password) throws GeneralSecurityException {
        Matcher m = BLOCK.matcher(pem);
        if (!m.find()) {
            throw new GeneralSecurityException("no RSA or EC private key in it");
        }
        String type = m.group(1);
        if (type.equals("DSA")) {
            throw new GeneralSecurityException(
                    "a traditional DSA key is not read; convert it with openssl pkcs8 -topk8");
        }
        String[] parts = m.group(2).split("\\r?\\n\\r?\\n", 2);
        boolean encrypted = parts.length == 2 && parts[0].contains("Proc-Type: 4,ENCRYPTED");
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(parts.length == 2 ? parts[1] : parts[0]);
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("not base64: " + e.getMessage());
        }
        if (encrypted) {
            if (password == null) {
                throw new GeneralSecurityException("the key is encrypted and the SSL block has no password");
            }
            der = decrypt(parts[0], der, password);
        }
        try {
            return type.equals("RSA")
                    ? KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(RSA_ALGORITHM, der)))
                    : KeyFactory.getInstance("EC")
                            .generatePrivate(
                                    new PKCS8EncodedKeySpec(pkcs8(sequence(EC_PUBLIC_KEY_OID, curveOf(der)), der)));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new GeneralSecurityException(
                    (encrypted ? "cannot decrypt it with the SSL block's password" : "not a " + type + " key") + " ("
                            + e.getMessage() + ")");
        }
    }

    private static byte[] decrypt(String headers, byte[] data, String password) throws GeneralSecurityException {
        Matcher d = DEK_INFO.matcher(headers);
        if (!d.find()) {
            throw new GeneralSecurityException("an encrypted key without DEK-Info");
        }
        String cipher = d.group(1).toUpperCase(java.util.Locale.ROOT);
        byte[] iv = HexFormat.of().parseHex(d.group(2));
        String transformation;
        String algorithm;
        int keyLength;
        switch (cipher) {
            case "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" -> {
                transformation = "AES/CBC/PKCS5Padding";
                algorithm = "AES";
                keyLength = Integer.parseInt(cipher.substring(4, 7)) / 8;
            }
            case "DES-EDE3-CBC" -> {
                transformation = "DESede/CBC/PKCS5Padding";
                algorithm = "DESede";
                keyLength = 24;
            }
            default -> throw new GeneralSecurityException("the key's cipher " + cipher + " is not read");
        }
        byte[] key = bytesToKey(password.getBytes(java.nio.charset.StandardCharsets.UTF_8), iv, keyLength);
        Cipher c = Cipher.getInstance(transformation);
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, algorithm), new IvParameterSpec(iv));
        try {
            return c.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("cannot decrypt it with the SSL block's password");
        }
    }

    /** OpenSSL's EVP_BytesToKey with MD5, one round, the IV's first 8 bytes as the salt. */
    static byte[] bytesToKey(byte[] password, byte[] iv, int length) throws GeneralSecurityException {
        MessageDigest md5 = MessageDigest.getInstance("MD5");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] previous = new byte[0];
        while (out.size() < length) {
            md5.update(previous);
            md5.update(password);
            md5.update(iv, 0, 8);
            previous = md5.digest();
            out.write(previous, 0, previous.length);
        }
        return java.util.Arrays.copyOf(out.toByteArray(), length);
    }

    /** SEC1's ECPrivateKey: SEQUENCE { version, privateKey, [0] named curve OID, [1] publicKey }. */
    private static byte[] curveOf(byte[] sec1) throws GeneralSecurityException {
        Der outer = new Der(sec1, 0);
        if (outer.tag != 0x30) {
            throw new GeneralSecurityException("not an EC private key");
        }
        for (int at = outer.start; at < outer.end; ) {
            Der e = new Der(sec1, at);
            if (e.tag == 0xa0) {
                Der oid = new Der(sec1, e.start);
                return java.util.Arrays.copyOfRange(sec1, e.start, oid.end);
            }
            at = e.end;
        }
        throw new GeneralSecurityException("an EC key without its curve");
    }

    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return sequence(new byte[] {2, 1, 0}, algorithm, tagged(0x04, key));
    }

    private static byte[] sequence(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return tagged(0x30, b.toByteArray());
    }

    private static byte[] tagged(int tag, byte[] content) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(tag);
        int n = content.length;
        if (n < 0x80) {
            b.write(n);
        } else {
            int bytes = n > 0xffffff ? 4 : n > 0xffff ? 3 : n > 0xff ? 2 : 1;
            b.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                b.write(n >>> (8 * i));
            }
        }
        b.writeBytes(content);
        return b.toByteArray();
    }

    /** One DER element at {@code at}: its tag and where its content starts and ends. */
    private static final class Der {
        final int tag;
        final int start;
        final int end;

        Der(byte[] b, int at) throws GeneralSecurityException {
            if (at + 2 > b.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            tag = b[at] & 0xff;
            int len = b[at + 1] & 0xff;
            int p = at + 2;
            if (len >= 0x80) {
                int bytes = len & 0x7f;
                if (bytes == 0 || bytes > 4 || p + bytes > b.length) {
                    throw new GeneralSecurityException("bad DER length");
                }
                len = 0;
                for (int i = 0; i < bytes; i++) {
                    len = (len << 8) | (b[p++] & 0xff);
                }
            }
            if (len < 0 || p + len > b.length) {
                throw new GeneralSecurityException("truncated DER");
            }
            start = p;
            end = p + len;
        }
    }
}
