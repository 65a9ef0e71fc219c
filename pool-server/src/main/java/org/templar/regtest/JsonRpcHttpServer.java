package org.templar.regtest;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transport for Bitcoin Core style JSON-RPC over HTTP/1.1 (src/httpserver.cpp, src/httprpc.cpp):
 * HTTP Basic authentication (401 with {@code WWW-Authenticate: Basic realm="jsonrpc"}, and a 250 ms
 * pause before answering bad credentials, as Core does to slow down guessing), POST only (405), a
 * 32 MiB body limit, and HTTP 400 for a request carrying both {@code Transfer-Encoding: chunked} and
 * {@code Content-Length} (request smuggling; Core v31 refuses it, and a client that sends it must
 * find out here, not in production). Envelope rules live in {@link JsonRpcProcessor}; method calls
 * run on a small worker pool so a slow method never stalls the event loop.
 */
public final class JsonRpcHttpServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(JsonRpcHttpServer.class);
    /** Core's MAX_SIZE for an HTTP body. */
    static final int MAX_BODY_BYTES = 0x02000000;
    private static final String WWW_AUTHENTICATE = "Basic realm=\"jsonrpc\"";
    private static final String SMUGGLING_MARK = "x-templar-chunked-with-content-length";

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService rpcThreads;
    private final Channel serverChannel;
    private final String host;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private JsonRpcHttpServer(EventLoopGroup boss, EventLoopGroup workers, ExecutorService rpcThreads,
                              Channel serverChannel, String host) {
        this.boss = boss;
        this.workers = workers;
        this.rpcThreads = rpcThreads;
        this.serverChannel = serverChannel;
        this.host = host;
        this.port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    /**
     * Binds {@code host:port} (port 0: chosen by the OS) and serves {@code handler} to clients that
     * authenticate as {@code user:password}.
     */
    public static JsonRpcHttpServer start(String host, int port, String user, String password, RpcHandler handler)
            throws InterruptedException {
        if (user == null || user.isEmpty() || user.contains(":")) {
            throw new IllegalArgumentException("rpc user must be non-empty and contain no ':'");
        }
        if (password == null || password.isEmpty()) {
            throw new IllegalArgumentException("rpc password must be non-empty");
        }
        byte[] expected = ("Basic " + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8);
        JsonRpcProcessor processor = new JsonRpcProcessor(handler);
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService rpcThreads = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "regtest-rpc-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        EventLoopGroup boss = new NioEventLoopGroup(1);
        EventLoopGroup workers = new NioEventLoopGroup(2);
        try {
            Channel ch = new ServerBootstrap()
                    .group(boss, workers)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            c.pipeline()
                                    .addLast(new StrictRequestDecoder())
                                    .addLast(new HttpResponseEncoder())
                                    .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast(new RpcRequestHandler(expected, processor, rpcThreads));
                        }
                    })
                    .bind(host, port).sync().channel();
            JsonRpcHttpServer server = new JsonRpcHttpServer(boss, workers, rpcThreads, ch, host);
            LOG.info("JSON-RPC listening on {}", server.uri());
            return server;
        } catch (InterruptedException | RuntimeException e) {
            boss.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            workers.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            rpcThreads.shutdownNow();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** http://host:port, host in brackets when IPv6. */
    public URI uri() {
        String h = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + h + ":" + port);
    }

    /** Stops listening and releases the port; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        rpcThreads.shutdownNow();
    }

    /**
     * Netty by default drops Content-Length when Transfer-Encoding: chunked is also present; keep
     * both visible instead so the handler can refuse the request as Core does.
     */
    private static final class StrictRequestDecoder extends HttpRequestDecoder {
        @Override
        protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
            message.headers().set(SMUGGLING_MARK, "1");
        }
    }

    private static final class RpcRequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final byte[] expectedAuthorization;
        private final JsonRpcProcessor processor;
        private final ExecutorService rpcThreads;

        RpcRequestHandler(byte[] expectedAuthorization, JsonRpcProcessor processor, ExecutorService rpcThreads) {
            this.expectedAuthorization = expectedAuthorization;
            this.processor = processor;
            this.rpcThreads = rpcThreads;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            if (!req.decoderResult().isSuccess() || req.headers().contains(SMUGGLING_MARK)) {
                respond(ctx, 400, null, false, false);
                return;
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!HttpMethod.POST.equals(req.method())) {
                respond(ctx, 405, "JSONRPC server handles only POST requests", keepAlive, false);
                return;
            }
            String auth = req.headers().get(HttpHeaderNames.AUTHORIZATION);
            if (auth == null) {
                respond(ctx, 401, null, keepAlive, true);
                return;
            }
            if (!MessageDigest.isEqual(auth.trim().getBytes(StandardCharsets.UTF_8), expectedAuthorization)) {
                LOG.warn("ThreadRPCServer incorrect password attempt from {}", ctx.channel().remoteAddress());
                ctx.executor().schedule(() -> respond(ctx, 401, null, keepAlive, true), 250, TimeUnit.MILLISECONDS);
                return;
            }
            String body = req.content().toString(StandardCharsets.UTF_8);
            try {
                rpcThreads.execute(() -> {
                    JsonRpcProcessor.Reply reply = processor.process(body);
                    respond(ctx, reply.status(), reply.body(), keepAlive, false);
                });
            } catch (RejectedExecutionException e) {
                respond(ctx, 503, null, false, false);
            }
        }

        private static void respond(ChannelHandlerContext ctx, int status, String body, boolean keepAlive,
                                    boolean challenge) {
            ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                    content);
            if (body != null && status != 405) {
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
            } else if (body != null) {
                res.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/html; charset=ISO-8859-1");
            }
            if (challenge) {
                res.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, WWW_AUTHENTICATE);
            }
            HttpUtil.setContentLength(res, content.readableBytes());
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(res);
            } else {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.debug("RPC connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
