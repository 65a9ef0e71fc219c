package org.templar.ops;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.templar.client.miner.ChannelType;
import org.templar.client.miner.CpuMiner;
import org.templar.client.miner.MinerConfig;
import org.templar.client.miner.MinerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `templar mine`: a real CPU miner (demo and test tool). */
@Command(name = "mine", mixinStandardHelpOptions = true, description = "Mine with the CPU against a Stratum pool.")
final class MineCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "stratum+tcp://127.0.0.1:3333",
            description = "pool URL: stratum+tcp://HOST:PORT (Stratum V1), stratum+ssl://HOST:PORT (Stratum V1 over TLS) or stratum2+tcp://HOST:PORT/AUTHORITY_PUBKEY"
                    + " (Stratum V2, the pool's authority public key as `templar run` prints it; default ${DEFAULT-VALUE})")
    String url;

    @Option(names = {"-u", "--user"}, required = true, description = "username: ADDRESS[.worker] for solo mining")
    String user;

    @Option(names = {"-p", "--password"}, defaultValue = "x")
    String password;

    @Option(names = {"-t", "--threads"}, description = "hashing threads (default: all cores)")
    Integer threads;

    @Option(names = "--channel", defaultValue = "extended", converter = ChannelTypeConverter.class,
            description = "Stratum V2 channel: standard (header-only) or extended (default ${DEFAULT-VALUE})")
    ChannelType channel;

    static final class ChannelTypeConverter implements picocli.CommandLine.ITypeConverter<ChannelType> {
        @Override
        public ChannelType convert(String value) {
            return ChannelType.parse(value);
        }
    }

    @Option(names = "--tls-cert", description = "stratum+ssl://: trust exactly this PEM certificate (e.g. the pool's"
            + " self-signed DATA_DIR/sv1-tls.crt) instead of the JVM's trust store")
    java.nio.file.Path tlsCert;

    @Option(names = "--tls-insecure", description = "stratum+ssl://: accept any certificate, self-signed or not"
            + " (encrypts, but does not authenticate the pool; prefer --tls-cert)")
    boolean tlsInsecure;

    @Option(names = "--no-version-rolling", description = "do not negotiate BIP310 version rolling")
    boolean noVersionRolling;

    @Option(names = "--suggest-difficulty", description = "send mining.suggest_difficulty")
    Double suggestDifficulty;

    @Option(names = "--blocks", defaultValue = "0", description = "stop after this many blocks (0 = never)")
    long maxBlocks;

    @Option(names = "--shares", defaultValue = "0", description = "stop after this many accepted shares (0 = never)")
    long maxShares;

    @Option(names = "--duration", defaultValue = "0", description = "stop after this many seconds (0 = never)")
    long seconds;

    @Override
    public Integer call() throws Exception {
        MinerConfig cfg = MinerConfig.of(url, user)
                .withPassword(password)
                .withThreads(threads == null ? Runtime.getRuntime().availableProcessors() : threads)
                .withVersionRolling(!noVersionRolling)
                .withSuggestDifficulty(Optional.ofNullable(suggestDifficulty))
                .withLimits(maxBlocks, maxShares, Duration.ofSeconds(seconds))
                .withChannelType(channel)
                .withTls(tlsInsecure ? org.templar.client.miner.MinerTls.insecureAcceptAny()
                        : tlsCert != null ? org.templar.client.miner.MinerTls.trusting(tlsCert)
                        : org.templar.client.miner.MinerTls.SYSTEM_TRUST);
        CpuMiner miner = CpuMiner.start(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(miner::close));
        try {
            miner.termination().get();
        } catch (java.util.concurrent.ExecutionException e) {
            miner.close();
            System.err.println("templar mine: " + (e.getCause() == null ? e : e.getCause().getMessage()));
            System.exit(1);
            return 1;
        }
        // the miner itself logs the one final summary ("final: ...") as it stops
        miner.close();
        System.exit(0);
        return 0;
    }
}
