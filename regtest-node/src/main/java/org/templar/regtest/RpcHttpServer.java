package org.templar.regtest;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP transport of the embedded node's JSON-RPC: POST only, HTTP basic auth, Core's 401/405/404
 * answers, and a 400 for a request that carries both Transfer-Encoding: chunked and Content-Length
 * (ambiguous framing, refused by Core v31). Calls run on a worker pool, never on the event loop,
 * because getblocktemplate may long-poll.
 */
final class RpcHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RpcHttpServer.class);
    /** Core's MAX_SIZE for request bodies is far larger; 32 MiB covers any regtest block. */
    private static final int MAX_BODY = 32 * 1024 * 1024;

    private final EventLoopGroup group = new NioEventLoopGroup(1, (java.util.concurrent.ThreadFactory) r -> daemon(r, "regtest-rpc-io"));
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> daemon(r, "regtest-rpc-call"));
    private final JsonRpcEnvelope envelope;
    private final byte[] expectedAuth;
    private final Channel serverChannel;

    RpcHttpServer(String host, int port, String user, String password, JsonRpcEnvelope envelope) throws InterruptedException {
        this.envelope = envelope;
        this.expectedAuth = ("Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
                .getBytes(StandardCharsets.UTF_8);
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new KeepBothLengthHeadersDecoder());
                        ch.pipeline().addLast(new HttpResponseEncoder());
                        ch.pipeline().addLast(new AmbiguousLengthGuard());
                        ch.pipeline().addLast(new HttpObjectAggregator(MAX_BODY));
                        ch.pipeline().addLast(new RpcHandler());
                    }
                });
        try {
            this.serverChannel = b.bind(host, port).sync().channel();
        } catch (Throwable t) {
            // a taken port must not leave the event loop and workers running
            workers.shutdownNow();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw t;
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    @Override
    public void close() {
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /**
     * Netty drops Content-Length when chunked is present; keep both so the guard can refuse the request.
     * Lines may end in a bare LF: Core's HTTP server (libevent, EVBUFFER_EOL_CRLF) takes "\n" alone as
     * a line end, and clients rely on it (ckpool writes its requests that way).
     */
    private static final class KeepBothLengthHeadersDecoder extends HttpRequestDecoder {
        KeepBothLengthHeadersDecoder() {
            super(new HttpDecoderConfig().setStrictLineParsing(false));
        }

        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            // deliberately left as received
        }
    }

    /** Answers 400 to ambiguous framing and swallows that request's body. */
    private static final class AmbiguousLengthGuard extends ChannelInboundHandlerAdapter {
        private boolean discarding;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest req) {
                discarding = HttpUtil.isTransferEncodingChunked(req) && req.headers().contains(HttpHeaderNames.CONTENT_LENGTH);
                if (discarding) {
                    ReferenceCountUtil.release(msg);
                    FullHttpResponse resp = response(HttpResponseStatus.BAD_REQUEST, "", null);
                    resp.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
            }
            if (discarding && msg instanceof HttpContent) {
                ReferenceCountUtil.release(msg);
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /**
     * One per connection. Answers leave in request order even when a client pipelines: each request
     * is chained after the previous one of the same connection (a long poll holds back later
     * requests on its connection only, as HTTP/1.1 requires).
     */
    private final class RpcHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                enqueue(ctx, () -> response(HttpResponseStatus.BAD_REQUEST, "", null), false);
                return;
            }
            String path = req.uri();
            if (!path.equals("/") && !path.startsWith("/wallet/")) {
                enqueue(ctx, () -> response(HttpResponseStatus.NOT_FOUND, "", null), keepAlive);
                return;
            }
            if (!req.method().equals(HttpMethod.POST)) {
                enqueue(ctx, () -> response(HttpResponseStatus.METHOD_NOT_ALLOWED, "JSONRPC server handles only POST requests",
                        "text/html"), keepAlive);
                return;
            }
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth == null || !MessageDigest.isEqual(auth.getBytes(StandardCharsets.UTF_8), expectedAuth)) {
                boolean wrong = auth != null;
                if (wrong) {
                    log.warn("regtest rpc: incorrect password attempt from {}", ctx.channel().remoteAddress());
                }
                enqueue(ctx, () -> {
                    if (wrong) {
                        pause(250); // Core sleeps before answering a wrong password, to slow brute force
                    }
                    FullHttpResponse r = response(HttpResponseStatus.UNAUTHORIZED, "", null);
                    r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"jsonrpc\"");
                    return r;
                }, keepAlive);
                return;
            }
            byte[] body = ByteBufUtil.getBytes(req.content());
            enqueue(ctx, () -> {
                JsonRpcEnvelope.Reply reply;
                try {
                    reply = envelope.handle(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    reply = new JsonRpcEnvelope.Reply(503, "");
                } catch (RuntimeException e) {
                    log.error("regtest rpc: internal error", e);
                    reply = new JsonRpcEnvelope.Reply(500, "");
                }
                return reply.body() == null
                        ? response(HttpResponseStatus.NO_CONTENT, null, null)
                        : response(HttpResponseStatus.valueOf(reply.status()), reply.body(), "application/json");
            }, keepAlive);
        }

        /** Runs {@code producer} on a worker after this connection's previous request, then writes on the event loop. */
        private void enqueue(ChannelHandlerContext ctx, Supplier<FullHttpResponse> producer, boolean keepAlive) {
            tail = tail.thenRunAsync(() -> {
                FullHttpResponse r = producer.get();
                try {
                    ctx.executor().execute(() -> send(ctx, r, keepAlive));
                } catch (RejectedExecutionException closing) {
                    r.release(); // the server is shutting down; the connection goes with it
                }
            }, workers).exceptionally(t -> {
                if (!(t.getCause() instanceof RejectedExecutionException)) {
                    log.error("regtest rpc: failed to answer", t);
                }
                return null;
            });
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("regtest rpc: connection error", cause);
            ctx.close();
        }
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body, String contentType) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                body == null || body.isEmpty() ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        if (contentType != null) {
            r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        HttpUtil.setContentLength(r, r.content().readableBytes());
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpResponse r, boolean keepAlive) {
        if (!ctx.channel().isActive()) {
            r.release();
            return;
        }
        if (keepAlive) {
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }
}
