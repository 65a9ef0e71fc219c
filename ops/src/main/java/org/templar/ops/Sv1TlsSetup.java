package org.templar.ops;

import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.TemplarConfig;
import org.templar.pool.transport.TlsFiles;

/** Picks the certificate and key for {@code sv1.tls_listen}: the operator's PEM files, else a self-signed pair. */
final class Sv1TlsSetup {
    private static final Logger log = LoggerFactory.getLogger(Sv1TlsSetup.class);

    private Sv1TlsSetup() {}

    static Path defaultCert(Path dataDir) {
        return dataDir.resolve("sv1-tls.crt");
    }

    static Path defaultKey(Path dataDir) {
        return dataDir.resolve("sv1-tls.key");
    }

    static SslContext serverContext(TemplarConfig.Sv1Tls tls, Path dataDir) throws IOException {
        Path cert;
        Path key;
        if (tls.certFile().isPresent()) {
            cert = tls.certFile().get();
            key = tls.keyFile().orElseThrow();
        } else {
            cert = defaultCert(dataDir);
            key = defaultKey(dataDir);
            if (TlsFiles.ensureSelfSigned(cert, key, "Templar Stratum pool")) {
                log.info("made a self-signed TLS certificate for sv1.tls_listen: {} (key {})", cert, key);
            }
        }
        SslContext ctx;
        try {
            ctx = TlsFiles.serverContext(cert, key);
        } catch (IOException | IllegalArgumentException e) {
            throw new ConfigException("sv1.tls_cert_file / sv1.tls_key_file: cannot use " + cert + " and " + key + ": " + e.getMessage());
        }
        log.info("Stratum V1 TLS certificate {} SHA-256 {} (miners may pin it)", cert, TlsFiles.fingerprint(cert));
        return ctx;
    }
}
