package org.templar.client.miner;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code templar mine} is told: which pool, which credentials, how many hashing threads, whether to
 * roll version bits (BIP310 with the BIP320 mask), and optional limits that end a demo or test run
 * (0 / {@link Duration#ZERO} = unlimited).
 *
 * @param maxReconnects consecutive failed connection attempts before giving up (0 = retry forever)
 * @param statsInterval how often hashrate and share counts are logged
 * @param channelType the Stratum V2 channel to open (extended by default); ignored for Stratum V1
 */
public record MinerConfig(String url, String user, String password, int threads, boolean versionRolling,
        Optional<Double> suggestDifficulty, String userAgent, long maxBlocks, long maxShares, Duration maxDuration,
        int maxReconnects, Duration statsInterval, ChannelType channelType, MinerTls tls) {

    /** BIP320's general-purpose version bits: what we ask the pool to let us roll. */
    public static final int BIP320_MASK = 0x1fffe000;
    public static final String DEFAULT_USER_AGENT = "templar-miner/0.1";

    public MinerConfig {
        Objects.requireNonNull(url, "url");
        StratumEndpoint.parse(url); // refuse a bad url at construction, not at first connect
        if (user == null || user.isEmpty() || user.length() > 256) {
            throw new IllegalArgumentException("user must be 1..256 characters (for solo: ADDRESS[.worker])");
        }
        password = password == null ? "" : password;
        if (threads < 1 || threads > 1024) {
            throw new IllegalArgumentException("threads must be 1..1024, got " + threads);
        }
        suggestDifficulty = suggestDifficulty == null ? Optional.empty() : suggestDifficulty;
        suggestDifficulty.ifPresent(d -> {
            if (!(d > 0) || d.isInfinite()) {
                throw new IllegalArgumentException("suggested difficulty must be a positive number, got " + d);
            }
        });
        userAgent = userAgent == null || userAgent.isBlank() ? DEFAULT_USER_AGENT : userAgent;
        if (maxBlocks < 0 || maxShares < 0) {
            throw new IllegalArgumentException("maxBlocks and maxShares must be >= 0 (0 = unlimited)");
        }
        maxDuration = maxDuration == null ? Duration.ZERO : maxDuration;
        if (maxDuration.isNegative()) {
            throw new IllegalArgumentException("maxDuration must not be negative");
        }
        if (maxReconnects < 0) {
            throw new IllegalArgumentException("maxReconnects must be >= 0 (0 = retry forever)");
        }
        statsInterval = statsInterval == null ? Duration.ofSeconds(10) : statsInterval;
        if (statsInterval.toMillis() < 100) {
            throw new IllegalArgumentException("statsInterval must be at least 100 ms");
        }
        channelType = channelType == null ? ChannelType.EXTENDED : channelType;
        tls = tls == null ? MinerTls.SYSTEM_TRUST : tls;
    }

    /** As before TLS options existed: a {@code stratum+ssl://} pool is checked against the JVM's trust store. */
    public MinerConfig(String url, String user, String password, int threads, boolean versionRolling,
            Optional<Double> suggestDifficulty, String userAgent, long maxBlocks, long maxShares, Duration maxDuration,
            int maxReconnects, Duration statsInterval, ChannelType channelType) {
        this(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks, maxShares,
                maxDuration, maxReconnects, statsInterval, channelType, MinerTls.SYSTEM_TRUST);
    }

    /** As before channel types existed: a Stratum V2 endpoint then opens an extended channel. */
    public MinerConfig(String url, String user, String password, int threads, boolean versionRolling,
            Optional<Double> suggestDifficulty, String userAgent, long maxBlocks, long maxShares, Duration maxDuration,
            int maxReconnects, Duration statsInterval) {
        this(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks, maxShares,
                maxDuration, maxReconnects, statsInterval, ChannelType.EXTENDED);
    }

    /** Sensible defaults: all cores, version rolling on, no limits, retry forever, stats every 10 s. */
    public static MinerConfig of(String url, String user) {
        return new MinerConfig(url, user, "x", Runtime.getRuntime().availableProcessors(), true, Optional.empty(),
                DEFAULT_USER_AGENT, 0, 0, Duration.ZERO, 0, Duration.ofSeconds(10), ChannelType.EXTENDED);
    }

    public StratumEndpoint endpoint() {
        return StratumEndpoint.parse(url);
    }

    public MinerConfig withPassword(String p) {
        return new MinerConfig(url, user, p, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withThreads(int n) {
        return new MinerConfig(url, user, password, n, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withVersionRolling(boolean on) {
        return new MinerConfig(url, user, password, threads, on, suggestDifficulty, userAgent, maxBlocks, maxShares,
                maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withSuggestDifficulty(Optional<Double> d) {
        return new MinerConfig(url, user, password, threads, versionRolling, d, userAgent, maxBlocks, maxShares,
                maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withUserAgent(String ua) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, ua, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withLimits(long blocks, long shares, Duration duration) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, blocks,
                shares, duration, maxReconnects, statsInterval, channelType, tls);
    }

    public MinerConfig withMaxReconnects(int n) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, n, statsInterval, channelType, tls);
    }

    public MinerConfig withStatsInterval(Duration d) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, d, channelType, tls);
    }

    public MinerConfig withChannelType(ChannelType type) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, type, tls);
    }

    public MinerConfig withUrl(String u) {
        return new MinerConfig(u, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, channelType, tls);
    }

    /** How a {@code stratum+ssl://} pool's certificate is checked. */
    public MinerConfig withTls(MinerTls t) {
        return new MinerConfig(url, user, password, threads, versionRolling, suggestDifficulty, userAgent, maxBlocks,
                maxShares, maxDuration, maxReconnects, statsInterval, channelType, t);
    }
}
