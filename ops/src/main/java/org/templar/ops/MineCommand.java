package org.templar.ops;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.templar.pool.miner.CpuMiner;
import org.templar.pool.miner.MinerConfig;
import org.templar.pool.miner.MinerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** `templar mine`: a real CPU miner (demo and test tool). */
@Command(name = "mine", mixinStandardHelpOptions = true, description = "Mine with the CPU against a Stratum pool.")
final class MineCommand implements Callable<Integer> {
    @Option(names = "--url", defaultValue = "stratum+tcp://127.0.0.1:3333",
            description = "pool URL, stratum+tcp://HOST:PORT (default ${DEFAULT-VALUE})")
    String url;

    @Option(names = {"-u", "--user"}, required = true, description = "username: ADDRESS[.worker] for solo mining")
    String user;

    @Option(names = {"-p", "--password"}, defaultValue = "x")
    String password;

    @Option(names = {"-t", "--threads"}, description = "hashing threads (default: all cores)")
    Integer threads;

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
                .withLimits(maxBlocks, maxShares, Duration.ofSeconds(seconds));
        CpuMiner miner = CpuMiner.start(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(miner::close));
        MinerStats end = miner.termination().get();
        System.out.println(end.summary(cfg.threads()));
        miner.close();
        System.exit(0);
        return 0;
    }
}
