package org.templar.ops;

import io.prometheus.client.CollectorRegistry;
import org.templar.ops.dashboard.Dashboard;
import io.prometheus.client.hotspot.DefaultExports;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import org.templar.share.Hex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** `templar run`: the pool. With no configuration: embedded regtest node, embedded H2, solo mode. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the pool (SV1 on 3333, metrics on 9108, admin API on 127.0.0.1:9109).")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() throws Exception {
        java.util.Optional<java.nio.file.Path> file = options.file();
        Map<String, String> overrides = options.overrides();
        TemplarConfig config = ConfigLoader.load(file.orElse(null), overrides);
        CountDownLatch stopped = new CountDownLatch(1);
        Running running = start(config);
        // `templar reload`: the same file and the same command-line overrides, read again
        running.pool().reloadFrom(file, () -> ConfigLoader.load(file.orElse(null), overrides));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("shutting down");
            running.close();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
        return 0;
    }

    /** Everything `run` starts, so tests can start the same thing and stop it. */
    record Running(PoolRuntime pool, HttpEndpoints metrics, HttpEndpoints admin, String banner) implements AutoCloseable {
        @Override
        public void close() {
            if (admin != null) {
                admin.close();
            }
            if (metrics != null) {
                metrics.close();
            }
            pool.close();
        }
    }

    static Running start(TemplarConfig config) throws Exception {
        CollectorRegistry registry = new CollectorRegistry();
        DefaultExports.register(registry);
        PrometheusMetrics metrics = new PrometheusMetrics(registry);
        PoolRuntime pool = PoolRuntime.start(config, metrics, metrics, metrics);
        metrics.registerLiveStats(pool);
        HttpEndpoints metricsHttp = null;
        HttpEndpoints admin = null;
        try {
            if (config.metrics().enabled()) {
                // the dashboard shares the public, read-only listener with the exporter
                Dashboard dashboard = new Dashboard(new DashboardSource(pool));
                metricsHttp = Startup.bind("metrics.listen", config.metrics().address(),
                        () -> HttpEndpoints.metrics(config.metrics().address(), registry, config.http(),
                                config.outbound(), metrics, dashboard));
            }
            if (config.admin().enabled()) {
                String token = config.adminToken().orElseGet(() -> tokenFile(config.dataDir()));
                admin = Startup.bind("admin.listen", config.admin().address(),
                        () -> HttpEndpoints.admin(config.admin().address(), token, pool, config.http(), config.outbound(),
                                metrics));
            }
        } catch (Exception e) {
            if (metricsHttp != null) {
                metricsHttp.close();
            }
            pool.close();
            throw e;
        }
        // everything is bound: only now does anything say "running"
        String tokenWhere = config.adminToken().isPresent() ? "admin.token_file"
                : config.dataDir().resolve("admin.token").toString();
        String banner = Startup.banner(config, pool, metricsHttp, admin, tokenWhere, Startup::machineName);
        log.info("{}{}", System.lineSeparator(), banner);
        return new Running(pool, metricsHttp, admin, banner);
    }

    /** The admin token in DATA_DIR/admin.token, created (owner-only) on first start. */
    static String tokenFile(Path dataDir) {
        Path file = dataDir.resolve("admin.token");
        try {
            if (Files.isRegularFile(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            }
            byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            String token = Hex.encode(random);
            Files.createDirectories(dataDir);
            Files.writeString(file, token + "\n", StandardCharsets.UTF_8);
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            return token;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read or create the admin token " + file + ": " + e.getMessage(), e);
        }
    }
}
