package org.templar.client.miner;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;

/**
 * How the miner checks a {@code stratum+ssl://} pool's certificate: against the JVM's trust store with
 * the host name verified (default), against exactly the PEM certificate(s) in {@code trustedCert} (a
 * pinned, possibly self-signed pool certificate; the pin replaces the host name check), or not at all
 * ({@code insecure}, only when asked for explicitly, and said in the log at every connect).
 */
public record MinerTls(Optional<Path> trustedCert, boolean insecure) {
    public static final MinerTls SYSTEM_TRUST = new MinerTls(Optional.empty(), false);

    public MinerTls {
        Objects.requireNonNull(trustedCert, "trustedCert");
        if (insecure && trustedCert.isPresent()) {
            throw new IllegalArgumentException("choose either a trusted certificate or insecure TLS, not both");
        }
        trustedCert.ifPresent(p -> {
            if (!Files.isReadable(p)) {
                throw new IllegalArgumentException("TLS certificate file " + p + " is not readable");
            }
        });
    }

    public static MinerTls trusting(Path pemCertificate) {
        return new MinerTls(Optional.of(pemCertificate), false);
    }

    public static MinerTls insecureAcceptAny() {
        return new MinerTls(Optional.empty(), true);
    }

    /** True when the pool's host name must match its certificate (only with the system trust store). */
    boolean verifiesHostName() {
        return !insecure && trustedCert.isEmpty();
    }

    SslContext clientContext() throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient();
        if (insecure) {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        } else if (trustedCert.isPresent()) {
            b.trustManager(trustedCert.get().toFile());
        }
        return b.build();
    }
}
