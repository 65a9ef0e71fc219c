package org.templar.pool.sv2.transport;

import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.pool.sv2.noise.AuthorityPublicKey;
import org.templar.pool.sv2.noise.CipherState;
import org.templar.pool.sv2.noise.NoiseException;
import org.templar.pool.sv2.noise.NoiseInitiator;
import org.templar.pool.sv2.noise.NoiseResponder;
import org.templar.pool.sv2.noise.NoiseSession;
import org.templar.pool.sv2.noise.ServerIdentity;
import org.templar.pool.sv2.noise.SignatureNoiseMessage;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.UnsupportedMessageTypeException;
import io.netty.util.ReferenceCountUtil;

/**
 * The Stratum V2 Noise layer of a Netty pipeline (put it first, right after the socket). It runs
 * the NX handshake as server (responder) or client (initiator), then decrypts inbound bytes into
 * PLAINTEXT frames — one ByteBuf per frame holding the 6-byte header and msg_length payload bytes —
 * and encrypts outbound ByteBufs holding one or more whole plaintext frames. Writes issued before
 * the handshake completes are held and sent after it.
 *
 * <p>Any failure (bad MAC, wrong authority, certificate outside its window, truncated act, frame
 * over the limit, handshake timeout) fires a {@link NoiseFailure} user event, logs the reason and
 * closes the connection; nothing more is read from it. Success fires {@link NoiseHandshakeComplete}.
 * Not sharable: one instance per channel.
 */
public final class NoiseHandler extends ByteToMessageDecoder implements ChannelOutboundHandler {

    private static final Logger LOG = LoggerFactory.getLogger(NoiseHandler.class);

    private enum State { AWAIT_ACT1, AWAIT_ACT2, HEADER, PAYLOAD, FAILED }

    private final boolean initiator;
    private final NoiseTransportConfig config;
    private final Supplier<ServerIdentity> identitySource;
    private final AuthorityPublicKey authority;

    private State state;
    private NoiseInitiator handshakeInitiator;
    private NoiseSession session;
    private ServerIdentity identity;
    private SignatureNoiseMessage certificate;
    private ScheduledFuture<?> handshakeTimeout;
    private boolean actOneSent;
    /** The frame being reassembled: header written, payload chunks appended as they decrypt. */
    private ByteBuf partialFrame;
    private int payloadRemaining;
    private final ArrayDeque<PendingWrite> pendingWrites = new ArrayDeque<>();

    private record PendingWrite(Object message, ChannelPromise promise) {
    }

    private NoiseHandler(boolean initiator, NoiseTransportConfig config, Supplier<ServerIdentity> identitySource,
            AuthorityPublicKey authority) {
        this.initiator = initiator;
        this.config = Objects.requireNonNull(config, "config");
        this.identitySource = identitySource;
        this.authority = authority;
        this.state = initiator ? State.AWAIT_ACT2 : State.AWAIT_ACT1;
    }

    /**
     * Server side. The identity source is asked once per connection, so a caller can rotate the
     * static key and certificate before the old certificate expires.
     */
    public static NoiseHandler server(Supplier<ServerIdentity> identitySource, NoiseTransportConfig config) {
        return new NoiseHandler(false, config, Objects.requireNonNull(identitySource, "identitySource"), null);
    }

    public static NoiseHandler server(ServerIdentity identity, NoiseTransportConfig config) {
        Objects.requireNonNull(identity, "identity");
        return server(() -> identity, config);
    }

    /** Client side: the server must present a certificate signed by {@code authority}. */
    public static NoiseHandler client(AuthorityPublicKey authority, NoiseTransportConfig config) {
        if (authority == null) {
            throw new IllegalArgumentException("an authority public key is required; unauthenticated mode is not offered");
        }
        return new NoiseHandler(true, config, null, authority);
    }

    public boolean isHandshakeComplete() {
        return session != null && state != State.FAILED;
    }

    // ---- lifecycle

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (handshakeTimeout != null || state == State.FAILED) {
            return;
        }
        long millis = config.handshakeTimeout().toMillis();
        handshakeTimeout = ctx.executor().schedule(() -> {
            if (session == null && state != State.FAILED) {
                int buffered = bufferedBytes();
                int expected = initiator ? NoiseInitiator.ACT2_LENGTH : NoiseInitiator.ACT1_LENGTH;
                fail(ctx, buffered > 0
                        ? new NoiseException(NoiseException.Reason.TRUNCATED, "handshake act truncated: "
                                + buffered + " of " + expected + " bytes within " + millis + " ms")
                        : new NoiseException(NoiseException.Reason.HANDSHAKE_TIMEOUT,
                                "no handshake act within " + millis + " ms"));
            }
        }, millis, TimeUnit.MILLISECONDS);
        if (initiator && !actOneSent) {
            actOneSent = true;
            handshakeInitiator = NoiseInitiator.create(authority, config.random());
            ctx.writeAndFlush(Unpooled.wrappedBuffer(handshakeInitiator.writeAct1()));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (session == null && state != State.FAILED) {
            int buffered = bufferedBytes();
            String message = "connection closed during the handshake"
                    + (buffered > 0 ? " (" + buffered + " bytes of an act received)" : "");
            state = State.FAILED;
            report(ctx, new NoiseException(NoiseException.Reason.TRUNCATED, message));
        }
        super.channelInactive(ctx);
    }

    private int bufferedBytes() {
        ByteBuf cumulation = internalBuffer();
        return cumulation == null ? 0 : cumulation.readableBytes();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        cleanup(new ClosedChannelException());
    }

    private void cleanup(Throwable cause) {
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        if (partialFrame != null) {
            partialFrame.release();
            partialFrame = null;
        }
        PendingWrite pending;
        while ((pending = pendingWrites.poll()) != null) {
            ReferenceCountUtil.release(pending.message());
            pending.promise().tryFailure(cause);
        }
    }

    // ---- inbound

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
            return;
        }
        NoiseException failure = null;
        try {
            decodeAvailable(ctx, in, out);
        } catch (NoiseException e) {
            failure = e;
        } catch (RuntimeException e) {
            // Whatever went wrong, the stream position is lost: never leave a half-read connection open.
            LOG.warn("Stratum V2 Noise layer error on {}", ctx.channel(), e);
            failure = new NoiseException(NoiseException.Reason.MALFORMED, "internal error: " + e);
        }
        if (failure != null) {
            // Drop the rest before closing: a close can run channelInactive (and release the
            // cumulation) synchronously on some transports.
            in.skipBytes(in.readableBytes());
            fail(ctx, failure);
        }
    }

    private void decodeAvailable(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws NoiseException {
        while (true) {
            switch (state) {
                case AWAIT_ACT1 -> {
                    if (in.readableBytes() < NoiseInitiator.ACT1_LENGTH) {
                        return;
                    }
                    byte[] act1 = new byte[NoiseInitiator.ACT1_LENGTH];
                    in.readBytes(act1);
                    identity = Objects.requireNonNull(identitySource.get(), "identity source returned null");
                    NoiseResponder responder = NoiseResponder.create(identity, config.random());
                    byte[] act2 = responder.readAct1(act1);
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(act2));
                    certificate = identity.certificate();
                    completeHandshake(ctx, responder.session());
                }
                case AWAIT_ACT2 -> {
                    if (in.readableBytes() < NoiseInitiator.ACT2_LENGTH) {
                        return;
                    }
                    byte[] act2 = new byte[NoiseInitiator.ACT2_LENGTH];
                    in.readBytes(act2);
                    NoiseSession established = handshakeInitiator.readAct2(act2, config.clock().getAsLong());
                    certificate = handshakeInitiator.serverCertificate();
                    completeHandshake(ctx, established);
                }
                case HEADER -> {
                    if (in.readableBytes() < NoiseSession.ENCRYPTED_HEADER_LENGTH) {
                        return;
                    }
                    byte[] header = session.decryptHeader(readChunk(in, NoiseSession.ENCRYPTED_HEADER_LENGTH), 0);
                    int payloadLength = NoiseSession.payloadLength(header, 0);
                    // Checked before allocating anything for the frame.
                    if (payloadLength > config.maxPayloadLength()) {
                        throw new NoiseException(NoiseException.Reason.FRAME_TOO_LARGE, "frame announces "
                                + payloadLength + " payload bytes, limit " + config.maxPayloadLength());
                    }
                    ByteBuf frame = ctx.alloc().buffer(NoiseSession.HEADER_LENGTH + payloadLength);
                    frame.writeBytes(header);
                    if (payloadLength == 0) {
                        out.add(frame);
                    } else {
                        partialFrame = frame;
                        payloadRemaining = payloadLength;
                        state = State.PAYLOAD;
                    }
                }
                case PAYLOAD -> {
                    int chunkPlaintext = Math.min(payloadRemaining, NoiseSession.MAX_CHUNK_PLAINTEXT);
                    int chunkLength = chunkPlaintext + CipherState.MAC_LENGTH;
                    if (in.readableBytes() < chunkLength) {
                        return;
                    }
                    byte[] plaintext = session.decryptChunk(readChunk(in, chunkLength), 0, chunkLength);
                    partialFrame.writeBytes(plaintext);
                    payloadRemaining -= chunkPlaintext;
                    if (payloadRemaining == 0) {
                        out.add(partialFrame);
                        partialFrame = null;
                        state = State.HEADER;
                    }
                }
                case FAILED -> {
                    return;
                }
                default -> throw new IllegalStateException(state.toString());
            }
        }
    }

    private static byte[] readChunk(ByteBuf in, int length) {
        byte[] bytes = ByteBufUtil.getBytes(in, in.readerIndex(), length, false);
        in.skipBytes(length);
        return bytes;
    }

    private void completeHandshake(ChannelHandlerContext ctx, NoiseSession established) {
        session = established;
        state = State.HEADER;
        if (handshakeTimeout != null) {
            handshakeTimeout.cancel(false);
        }
        handshakeInitiator = null;
        ctx.fireUserEventTriggered(new NoiseHandshakeComplete(initiator, certificate));
        // Writes issued during the handshake go out now, in order, through the encryption below.
        PendingWrite pending;
        boolean any = false;
        while (state != State.FAILED && (pending = pendingWrites.poll()) != null) {
            encryptAndWrite(ctx, pending.message(), pending.promise());
            any = true;
        }
        if (any) {
            ctx.flush();
        }
    }

    private void fail(ChannelHandlerContext ctx, NoiseException e) {
        if (state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        report(ctx, e);
        cleanup(e);
        ctx.close();
    }

    private void report(ChannelHandlerContext ctx, NoiseException e) {
        boolean duringHandshake = session == null;
        String peer = String.valueOf(ctx.channel().remoteAddress());
        if (initiator) {
            LOG.warn("Stratum V2 connection to {} refused ({}): {}", peer,
                    duringHandshake ? "handshake" : "transport", e.getMessage());
        } else {
            // the listener's handler logs it through the (rate limited) operators' log
            LOG.debug("Stratum V2 connection from {} dropped ({}): {}", peer,
                    duringHandshake ? "handshake" : "transport", e.getMessage());
        }
        ctx.fireUserEventTriggered(new NoiseFailure(e.reason(), e.getMessage(), duringHandshake));
    }

    // ---- outbound

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new UnsupportedMessageTypeException(msg, ByteBuf.class));
            return;
        }
        if (state == State.FAILED) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new ClosedChannelException());
            return;
        }
        if (session == null) {
            pendingWrites.add(new PendingWrite(msg, promise));
            return;
        }
        encryptAndWrite(ctx, msg, promise);
    }

    private void encryptAndWrite(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        ByteBuf plaintext = (ByteBuf) msg;
        ByteBuf wire = null;
        try {
            // Validate every frame first so a malformed write consumes no nonce.
            long wireLength = 0;
            int index = plaintext.readerIndex();
            int end = plaintext.writerIndex();
            while (index < end) {
                if (end - index < NoiseSession.HEADER_LENGTH) {
                    throw new EncoderException("outbound buffer ends inside a frame header");
                }
                int payloadLength = plaintext.getUnsignedMediumLE(index + 3);
                if (end - index - NoiseSession.HEADER_LENGTH < payloadLength) {
                    throw new EncoderException("outbound buffer ends inside a frame payload ("
                            + payloadLength + " bytes announced)");
                }
                wireLength += NoiseSession.ENCRYPTED_HEADER_LENGTH + NoiseSession.payloadCiphertextLength(payloadLength);
                index += NoiseSession.HEADER_LENGTH + payloadLength;
            }
            wire = ctx.alloc().buffer(Math.toIntExact(wireLength));
            index = plaintext.readerIndex();
            while (index < end) {
                int frameLength = NoiseSession.HEADER_LENGTH + plaintext.getUnsignedMediumLE(index + 3);
                byte[] frame = ByteBufUtil.getBytes(plaintext, index, frameLength, false);
                wire.writeBytes(session.encryptFrame(frame, 0, frameLength));
                index += frameLength;
            }
        } catch (EncoderException | NoiseException | ArithmeticException e) {
            plaintext.release();
            if (wire != null) {
                wire.release();
            }
            promise.setFailure(e instanceof EncoderException ? e : new EncoderException(e));
            return;
        }
        plaintext.release();
        ctx.write(wire, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
            ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }
}
