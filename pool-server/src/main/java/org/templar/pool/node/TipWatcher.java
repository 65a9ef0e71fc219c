package org.templar.pool.node;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.share.Hex;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMsg;

/**
 * Notices new chain tips. With a ZMQ {@code hashblock} endpoint the node tells us at once; polling
 * {@code getbestblockhash} always runs beside it (at the configured interval, 100 ms by default) so
 * that a lost ZMQ message or an unconfigured publisher costs at most one interval. The callback gets
 * each new best hash (display hex) once.
 */
public final class TipWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TipWatcher.class);

    private final NodeGroup nodes;
    private final Duration pollInterval;
    private final Optional<String> zmqEndpoint;
    private final Consumer<String> onNewTip;
    private final AtomicReference<String> lastTip = new AtomicReference<>();
    private final AtomicBoolean polling = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> pollTask;
    private ZContext zmq;
    private Thread zmqThread;

    public TipWatcher(NodeGroup nodes, Duration pollInterval, Optional<String> zmqEndpoint, Consumer<String> onNewTip) {
        this.nodes = nodes;
        this.pollInterval = pollInterval;
        this.zmqEndpoint = zmqEndpoint;
        this.onNewTip = onNewTip;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tip-watcher");
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts watching; {@code knownTip} is the tip the current jobs are built on. */
    public void start(String knownTip) {
        lastTip.set(knownTip);
        pollTask = timer.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        zmqEndpoint.ifPresent(this::startZmq);
    }

    private void poll() {
        if (!polling.compareAndSet(false, true)) {
            return; // the previous call is still out: a slow node must not pile up requests
        }
        nodes.getBestBlockHash().whenComplete((hash, e) -> {
            polling.set(false);
            if (e == null) {
                offer(hash);
            }
        });
    }

    /** Records {@code hash} as the tip and reports it if it is new. Safe from any thread. */
    public void offer(String hash) {
        String prev = lastTip.get();
        if (hash != null && !hash.equals(prev) && lastTip.compareAndSet(prev, hash) && !closed.get()) {
            try {
                onNewTip.accept(hash);
            } catch (RuntimeException ex) {
                log.error("new-tip handler failed for {}", hash, ex);
            }
        }
    }

    private void startZmq(String endpoint) {
        zmq = new ZContext();
        ZMQ.Socket sub = zmq.createSocket(SocketType.SUB);
        sub.setReceiveTimeOut(200);
        // jeromq can leave a fresh subscription's handshake hanging (it then receives nothing); a
        // bounded handshake makes it retry instead of going silent
        sub.setHandshakeIvl(1000);
        sub.subscribe("hashblock".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        sub.connect(endpoint);
        zmqThread = new Thread(() -> {
            while (!closed.get() && !Thread.currentThread().isInterrupted()) {
                ZMsg msg;
                try {
                    msg = ZMsg.recvMsg(sub);
                } catch (RuntimeException e) {
                    if (!closed.get()) {
                        log.warn("ZMQ receive failed: {}", e.toString());
                    }
                    break;
                }
                if (msg == null) {
                    continue;
                }
                // Core's hashblock: [topic, 32-byte hash in display order, 4-byte LE sequence]
                msg.pop(); // topic
                org.zeromq.ZFrame hash = msg.pop();
                if (hash != null && hash.size() == 32) {
                    offer(Hex.encode(hash.getData()));
                }
                msg.destroy();
            }
        }, "zmq-hashblock");
        zmqThread.setDaemon(true);
        zmqThread.start();
        log.info("listening for new blocks on ZMQ {} and polling every {} ms", endpoint, pollInterval.toMillis());
    }

    public String lastTip() {
        return lastTip.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (pollTask != null) {
            pollTask.cancel(false);
        }
        timer.shutdownNow();
        if (zmqThread != null) {
            try {
                zmqThread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (zmq != null) {
            zmq.close();
        }
    }
}
