package org.templar.regtest;

import java.util.concurrent.atomic.AtomicBoolean;
import org.templar.share.Hex;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Bitcoin Core's {@code -zmqpubhashblock} notifier (src/zmq/zmqpublishnotifier.cpp): a ZeroMQ PUB
 * socket sending, for each new tip, a three-part message: the topic "hashblock", the 32-byte block
 * hash in display (RPC) byte order, and a 4-byte little-endian sequence number that starts at 0 and
 * counts this topic's messages, so a subscriber can tell when it missed one.
 */
public final class HashBlockPublisher implements AutoCloseable {
    static final String TOPIC = "hashblock";

    private final ZContext context;
    private final ZMQ.Socket socket;
    private final String endpoint;
    private final AtomicBoolean closed = new AtomicBoolean();
    private int sequence;

    private HashBlockPublisher(ZContext context, ZMQ.Socket socket, String endpoint) {
        this.context = context;
        this.socket = socket;
        this.endpoint = endpoint;
    }

    /** Binds a PUB socket on tcp://host:port; port 0 lets the OS choose. */
    public static HashBlockPublisher bind(String host, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("zmq port out of range: " + port);
        }
        ZContext context = new ZContext(1);
        try {
            ZMQ.Socket socket = context.createSocket(SocketType.PUB);
            socket.setLinger(0);
            socket.setSndHWM(1000); // Core's default -zmqpubhashblockhwm
            String h = host.contains(":") ? "[" + host + "]" : host;
            int bound;
            if (port == 0) {
                bound = socket.bindToRandomPort("tcp://" + h);
            } else {
                socket.bind("tcp://" + h + ":" + port);
                bound = port;
            }
            return new HashBlockPublisher(context, socket, "tcp://" + h + ":" + bound);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    /** Where subscribers connect, e.g. tcp://127.0.0.1:28332. */
    public String endpoint() {
        return endpoint;
    }

    /** Publishes one block hash given in display byte order (as RPC shows it). */
    public synchronized void publish(byte[] hashDisplayOrder) {
        if (hashDisplayOrder.length != 32) {
            throw new IllegalArgumentException("a block hash is 32 bytes");
        }
        if (closed.get()) {
            return;
        }
        byte[] seq = {(byte) sequence, (byte) (sequence >>> 8), (byte) (sequence >>> 16), (byte) (sequence >>> 24)};
        socket.sendMore(TOPIC);
        socket.sendMore(hashDisplayOrder);
        socket.send(seq, 0);
        sequence++;
    }

    /** Publishes a block hash given as RPC display hex. */
    public void publish(String hashHex) {
        publish(Hex.decode(hashHex));
    }

    /** Unbinds and releases the port; idempotent. */
    @Override
    public synchronized void close() {
        if (closed.compareAndSet(false, true)) {
            context.close();
        }
    }
}
