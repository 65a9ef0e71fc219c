package org.templar.regtest;

import org.bitcoinj.base.Sha256Hash;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Core's -zmqpubhashblock: a PUB socket sending three frames per new tip: "hashblock", the 32-byte
 * hash in display (RPC) byte order, and a 4-byte little-endian sequence number starting at 0.
 *
 * <p>Subscribers using jeromq should set a short handshake interval on their SUB socket (e.g.
 * {@code sub.setHandshakeIvl(1000)}): jeromq's connecting side sometimes never sends its ZMTP
 * greeting (a poller hand-off race, jeromq PR #1022; a few percent of fresh connections here) and
 * then stays deaf until its handshake timer, 30 s by default, reconnects it.
 */
final class HashBlockPublisher implements AutoCloseable {
    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket socket;
    private final String endpoint;
    private int sequence;

    HashBlockPublisher(String host, int port) {
        socket = context.createSocket(SocketType.PUB);
        socket.setLinger(0);
        socket.setIPv6(host.contains(":"));
        try {
            socket.bind("tcp://" + RegtestNode.uriHost(host) + ":" + (port == 0 ? "*" : Integer.toString(port)));
        } catch (RuntimeException e) {
            context.close();
            throw new IllegalStateException("cannot bind ZMQ hashblock publisher on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        String last = socket.getLastEndpoint();
        // jeromq reports the wildcard bind with the chosen port; expose the host the caller asked for
        this.endpoint = "tcp://" + RegtestNode.uriHost(host) + ":" + last.substring(last.lastIndexOf(':') + 1);
    }

    String endpoint() {
        return endpoint;
    }

    synchronized void publish(Sha256Hash blockHash) {
        int seq = sequence++;
        byte[] le = {(byte) seq, (byte) (seq >>> 8), (byte) (seq >>> 16), (byte) (seq >>> 24)};
        socket.sendMore("hashblock");
        socket.sendMore(blockHash.getBytes());
        socket.send(le);
    }

    @Override
    public synchronized void close() {
        context.close();
    }
}
