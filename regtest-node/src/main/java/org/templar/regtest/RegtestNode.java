package org.templar.regtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.script.ScriptBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded regtest node: a {@link RegtestChain} behind a Bitcoin Core compatible JSON-RPC server
 * (HTTP, basic auth) and a ZMQ hashblock publisher, with an optional data directory whose block log
 * is replayed at start so that a restart keeps the chain.
 *
 * <pre>
 *   try (RegtestNode node = RegtestNode.start(RegtestNode.Config.ephemeral())) {
 *       node.generateToAddress(101, address);
 *       URI rpc = node.rpcUri();
 *   }
 * </pre>
 */
public final class RegtestNode implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RegtestNode.class);

    /**
     * Start-up settings. {@code rpcPort} 0 and {@code zmqPort} 0 let the OS choose; {@code zmqPort}
     * -1 disables ZMQ; {@code dataDir} null keeps the chain in memory only.
     */
    public record Config(String bindHost, int rpcPort, String rpcUser, String rpcPassword, int zmqPort, Path dataDir) {
        public static final int DEFAULT_RPC_PORT = 18443;
        public static final int DEFAULT_ZMQ_PORT = 28332;

        public Config {
            Objects.requireNonNull(bindHost, "bindHost");
            Objects.requireNonNull(rpcUser, "rpcUser");
            Objects.requireNonNull(rpcPassword, "rpcPassword");
            if (rpcPort < 0 || rpcPort > 65535) {
                throw new IllegalArgumentException("rpcPort must be 0..65535, got " + rpcPort);
            }
            if (zmqPort < -1 || zmqPort > 65535) {
                throw new IllegalArgumentException("zmqPort must be -1 (off) or 0..65535, got " + zmqPort);
            }
            if (rpcUser.isEmpty() || rpcUser.contains(":")) {
                throw new IllegalArgumentException("rpcUser must be non-empty and without ':'");
            }
        }

        /** What `templar node` uses: Core's regtest RPC port 18443, ZMQ 28332, user/password "templar", memory only. */
        public static Config defaults() {
            return new Config("127.0.0.1", DEFAULT_RPC_PORT, "templar", "templar", DEFAULT_ZMQ_PORT, null);
        }

        /** OS-chosen ports on loopback, memory only: for tests. */
        public static Config ephemeral() {
            return new Config("127.0.0.1", 0, "templar", "templar", 0, null);
        }

        public Config withDataDir(Path dir) {
            return new Config(bindHost, rpcPort, rpcUser, rpcPassword, zmqPort, dir);
        }

        public Config withPorts(int rpc, int zmq) {
            return new Config(bindHost, rpc, rpcUser, rpcPassword, zmq, dataDir);
        }

        public Config withCredentials(String user, String password) {
            return new Config(bindHost, rpcPort, user, password, zmqPort, dataDir);
        }
    }

    private final Config config;
    private final RegtestChain chain;
    private final BlockFile blockFile;
    private final HashBlockPublisher zmq;
    private final RpcHttpServer http;
    private boolean closed;

    private RegtestNode(Config config, RegtestChain chain, BlockFile blockFile, HashBlockPublisher zmq, RpcHttpServer http) {
        this.config = config;
        this.chain = chain;
        this.blockFile = blockFile;
        this.zmq = zmq;
        this.http = http;
    }

    /** Replays the data directory (if any), then opens the RPC and ZMQ ports. */
    public static RegtestNode start(Config config) {
        RegtestChain chain = new RegtestChain();
        BlockFile file = null;
        HashBlockPublisher zmq = null;
        try {
            if (config.dataDir() != null) {
                List<byte[]> stored = BlockFile.readAll(config.dataDir());
                int replayed = 0;
                for (byte[] raw : stored) {
                    String result = chain.replay(RawBlock.parse(raw));
                    if (result == null || result.equals("inconclusive")) {
                        replayed++;
                    } else {
                        log.warn("regtest: stored block not replayed: {}", result);
                    }
                }
                log.info("regtest: replayed {} blocks from {}, height {}", replayed, config.dataDir(), chain.height());
                file = new BlockFile(config.dataDir());
                chain.onBlockStored(file::append);
            }
            if (config.zmqPort() >= 0) {
                zmq = new HashBlockPublisher(config.bindHost(), config.zmqPort());
                HashBlockPublisher z = zmq;
                chain.onNewTip(rec -> z.publish(rec.hash()));
            }
            RpcHttpServer http = new RpcHttpServer(config.bindHost(), config.rpcPort(), config.rpcUser(), config.rpcPassword(),
                    new JsonRpcEnvelope(new RegtestRpc(chain)));
            RegtestNode node = new RegtestNode(config, chain, file, zmq, http);
            log.info("regtest node: rpc {} zmq {} height {}", node.rpcUri(), node.zmqEndpoint(), chain.height());
            return node;
        } catch (IOException e) {
            closeQuietly(file, zmq);
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(file, zmq);
            throw new IllegalStateException("interrupted while binding the RPC port", e);
        } catch (RuntimeException e) {
            closeQuietly(file, zmq);
            throw e;
        }
    }

    private static void closeQuietly(BlockFile file, HashBlockPublisher zmq) {
        try {
            if (zmq != null) {
                zmq.close();
            }
            if (file != null) {
                file.close();
            }
        } catch (IOException | RuntimeException ignored) {
            // start-up already failed; the first error is the one to report
        }
    }

    public URI rpcUri() {
        return URI.create("http://" + uriHost(config.bindHost()) + ":" + http.port());
    }

    /** IPv6 literals go in brackets in URIs and ZMQ endpoints. */
    static String uriHost(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    public String rpcUser() {
        return config.rpcUser();
    }

    public String rpcPassword() {
        return config.rpcPassword();
    }

    /** tcp://host:port of the hashblock publisher, or null when ZMQ is off. */
    public String zmqEndpoint() {
        return zmq == null ? null : zmq.endpoint();
    }

    public RegtestChain chain() {
        return chain;
    }

    /** Mines {@code n} blocks paying {@code address} (any regtest address type), like generatetoaddress. */
    public List<Sha256Hash> generateToAddress(int n, String address) {
        Address a = RegtestRpc.parseAddress(address)
                .orElseThrow(() -> new IllegalArgumentException("not a regtest address: " + address));
        return chain.generate(n, ScriptBuilder.createOutputScript(a).program());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        http.close();
        closeQuietly(blockFile, zmq);
    }
}
