package io.mailca.dane;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates and TLSA data made with the {@code openssl} command, so that tests compare
 * MailCA's TLSA computation against an independent one.
 */
final class Openssl {
    private final Path dir;
    private final java.util.Map<String, String> digests = new java.util.HashMap<>();

    Openssl(Path dir) {
        this.dir = dir;
    }

    /** Runs openssl (through sh for pipes) in the directory; returns standard output. */
    String sh(String command) {
        try {
            var p = new ProcessBuilder("sh", "-c", command).directory(dir.toFile())
                    .redirectErrorStream(false).start();
            var out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            var err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command + " failed: " + err);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed CA {@code name}.pem with key {@code name}.key. */
    X509Certificate ca(String name) {
        sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
                + name + ".key -out " + name + ".pem -days 30 -subj /CN=" + name
                + " -addext basicConstraints=critical,CA:true 2>/dev/null");
        return read(name + ".pem");
    }

    /**
     * A leaf {@code name}.pem for {@code host}, signed by {@code ca}; its key {@code name}.key
     * is made with {@code genpkey keyOptions} unless it exists (key reuse).
     */
    X509Certificate leaf(String name, String host, String ca, String keyOptions, int days) {
        if (!Files.exists(dir.resolve(name + ".key"))) {
            sh("openssl genpkey " + keyOptions + " -out " + name + ".key 2>/dev/null");
        }
        try {
            Files.writeString(dir.resolve(name + ".ext"), "subjectAltName=DNS:" + host + "\n");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        sh("openssl req -new -key " + name + ".key -subj /CN=" + host + " -out " + name
                + ".csr && openssl x509 -req -in " + name + ".csr -CA " + ca + ".pem -CAkey "
                + ca + ".key -CAcreateserial -days " + days + " -extfile " + name + ".ext -out "
                + name + ".pem 2>/dev/null");
        return read(name + ".pem");
    }

    /** The hex digest openssl computes for {@code name}.pem's SPKI (selector 1). */
    String spkiDigest(String name, String digest) {
        return digests.computeIfAbsent("spki " + name + " " + digest, k -> sh("openssl x509"
                + " -in " + name + ".pem -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | openssl dgst -" + digest + " -r").split(" ")[0].trim());
    }

    /** The hex digest of {@code name}.pem's DER encoding (selector 0). */
    String certDigest(String name, String digest) {
        return digests.computeIfAbsent("cert " + name + " " + digest, k -> sh("openssl x509 -in "
                + name + ".pem -outform DER | openssl dgst -" + digest + " -r").split(" ")[0]
                .trim());
    }

    X509Certificate read(String file) {
        try {
            var bytes = Files.readAllBytes(dir.resolve(file));
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    Path path(String file) {
        return dir.resolve(file);
    }

    static List<String> lines(String text) {
        var result = new ArrayList<String>();
        for (var line : text.split("\n")) {
            if (!line.isBlank()) {
                result.add(line.trim());
            }
        }
        return result;
    }
}
