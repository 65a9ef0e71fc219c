package org.templar.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultEventExecutorGroup;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.exporter.common.TextFormat;
import java.io.IOException;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.templar.ops.config.TemplarConfig;
import org.templar.ops.dashboard.Dashboard;
import org.templar.payout.BlockRecord;
import org.templar.payout.WorkerStats;
import org.templar.pool.core.PoolMetrics;
import org.templar.pool.sv1.session.Sv1Session;
import org.templar.pool.transport.OutboundGuard;
import org.templar.pool.transport.OutboundLimit;

/**
 * The operator's HTTP surfaces: the Prometheus exporter (/metrics, unauthenticated, as scrapers expect)
 * and the admin API (JSON, bearer token, bound to loopback by default). Each listener runs on Netty
 * with its own I/O thread, so one client can only hold its own connection: a request (headers and
 * body) must arrive whole within the request timeout, a trickle of bytes does not extend it, bodies
 * are capped, connections past the cap are answered 503, and a client that does not read its answers
 * gets the same outbound back pressure as a miner. Answers are computed off the I/O thread (the admin
 * API reads the ledger through JDBC), on a small pool of their own.
 */
public final class HttpEndpoints implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HttpEndpoints.class);
    private static final ObjectMapper JSON = AdminApi.JSON;
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADER_BYTES = 8192;
    /** Threads that compute answers; a scrape and an admin call or two at a time is all an operator needs. */
    private static final int ANSWER_THREADS = 2;

    /** What a handler needs from a request: it never sees Netty types. */
    record HttpCall(String method, String path, Map<String, String> query, String authorization) {}

    record HttpReply(int status, String contentType, byte[] body) {
        HttpReply(int status, String contentType, String body) {
            this(status, contentType, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @FunctionalInterface
    interface Route {
        HttpReply answer(HttpCall call) throws IOException;
    }

    private final EventLoopGroup io;
    private final EventExecutorGroup answers;
    private final Channel listener;
    private final ChannelGroup connections;
    private final InetSocketAddress address;

    private HttpEndpoints(EventLoopGroup io, EventExecutorGroup answers, Channel listener, ChannelGroup connections) {
        this.io = io;
        this.answers = answers;
        this.listener = listener;
        this.connections = connections;
        this.address = (InetSocketAddress) listener.localAddress();
    }

    public InetSocketAddress address() {
        return address;
    }

    /**
     * The public listener: Prometheus' /metrics and, when {@code dashboard} is given, the read-only
     * dashboard's pages and JSON on the other paths.
     */
    public static HttpEndpoints metrics(InetSocketAddress bind, CollectorRegistry registry, TemplarConfig.Http limits,
            OutboundLimit outbound, PoolMetrics metrics, Dashboard dashboard) throws IOException {
        return start("metrics-http", bind, limits, outbound, metrics, call -> {
            if (!call.path().startsWith("/metrics")) {
                Dashboard.Page page = dashboard == null ? null : dashboard.get(call.path());
                if (page == null) {
                    return new HttpReply(404, "text/plain; charset=utf-8", "not found: " + call.path() + "\n");
                }
                if (!"GET".equals(call.method()) && !"HEAD".equals(call.method())) {
                    return new HttpReply(405, "text/plain; charset=utf-8", "the dashboard is read-only\n");
                }
                return new HttpReply(page.status(), page.contentType(), page.body());
            }
            StringWriter w = new StringWriter();
            TextFormat.write004(w, registry.metricFamilySamples());
            return new HttpReply(200, TextFormat.CONTENT_TYPE_004, w.toString());
        });
    }

    public static HttpEndpoints admin(InetSocketAddress bind, String token, PoolRuntime pool, TemplarConfig.Http limits,
            OutboundLimit outbound, PoolMetrics metrics) throws IOException {
        byte[] expected = ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        AdminApi api = new AdminApi(pool);
        return start("admin-http", bind, limits, outbound, metrics, call -> {
            if (!call.path().startsWith("/api/")) {
                return new HttpReply(404, "application/json", error("no such endpoint: " + call.path()));
            }
            String auth = call.authorization();
            if (auth == null || !MessageDigest.isEqual(expected, auth.getBytes(StandardCharsets.UTF_8))) {
                return new HttpReply(401, "application/json", "{\"error\":\"missing or wrong admin token\"}");
            }
            try {
                AdminApi.Response r = api.handle(call.method(), call.path(), call.query());
                return new HttpReply(r.status(), "application/json", JSON.writeValueAsString(r.body()));
            } catch (RuntimeException e) {
                return new HttpReply(500, "application/json", error(e.toString()));
            }
        });
    }

    private static HttpEndpoints start(String name, InetSocketAddress bind, TemplarConfig.Http limits,
            OutboundLimit outbound, PoolMetrics metrics, Route route) throws IOException {
        Objects.requireNonNull(limits, "limits");
        EventLoopGroup io = new NioEventLoopGroup(1, daemon(name));
        EventExecutorGroup answers = new DefaultEventExecutorGroup(ANSWER_THREADS, daemon(name + "-answer"));
        AtomicInteger open = new AtomicInteger();
        ChannelGroup connections = new DefaultChannelGroup(name, GlobalEventExecutor.INSTANCE);
        try {
            Channel listener = new ServerBootstrap()
                    .group(io)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 64)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            connections.add(ch);
                            ch.pipeline().addLast("outbound", new OutboundGuard(outbound, "http", metrics));
                            if (open.incrementAndGet() > limits.maxConnections()) {
                                open.decrementAndGet();
                                ch.pipeline().addLast("busy", new Busy());
                                return;
                            }
                            ch.closeFuture().addListener(f -> open.decrementAndGet());
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 8192))
                                    .addLast("aggregate", new HttpObjectAggregator(limits.maxRequestBytes()))
                                    .addLast("deadline", new RequestDeadline(limits.requestTimeout().toMillis()))
                                    .addLast(answers, "answer", new Answer(route));
                        }
                    })
                    .bind(bind).sync().channel();
            return new HttpEndpoints(io, answers, listener, connections);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(io, answers);
            throw new IOException("interrupted while binding " + bind, e);
        } catch (Exception e) { // sync() rethrows the bind failure (an IOException) as it is
            shutdown(io, answers);
            throw e instanceof IOException ioe ? ioe : new IOException("cannot listen on " + bind + ": " + e, e);
        }
    }

    /** Past the connection cap: a plain 503 and close, without parsing anything. */
    private static final class Busy extends ChannelInboundHandlerAdapter {
        private static final byte[] ANSWER = ("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n"
                + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(ANSWER)).addListener(ChannelFutureListener.CLOSE);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }

    /**
     * The whole next request must arrive within the timeout, counted from connecting or from the last
     * answer. A deadline rather than an idle timer, so a client trickling one byte at a time cannot
     * keep a connection (and a slot under the cap) for ever; it also ends idle keep-alive connections.
     */
    private static final class RequestDeadline extends ChannelDuplexHandler {
        private final long timeoutMillis;
        private ScheduledFuture<?> deadline;

        RequestDeadline(long timeoutMillis) {
            this.timeoutMillis = timeoutMillis;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            arm(ctx);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest) {
                disarm(); // the answer is being computed: the clock restarts when it is written
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            boolean answered = msg instanceof LastHttpContent;
            ctx.write(msg, promise);
            if (answered) {
                arm(ctx);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            disarm();
            ctx.fireChannelInactive();
        }

        private void arm(ChannelHandlerContext ctx) {
            disarm();
            deadline = ctx.executor().schedule(() -> {
                log.debug("{}: closing, no complete request within {} ms", ctx.channel().remoteAddress(), timeoutMillis);
                ctx.close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        }

        private void disarm() {
            if (deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
        }
    }

    /** Turns one aggregated request into a call, asks the route, writes the reply (on an answer thread). */
    private static final class Answer extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Route route;

        Answer(Route route) {
            this.route = route;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            if (!ctx.channel().isActive()) {
                return; // pipelined requests of a connection already closed: no work for nobody
            }
            if (request.decoderResult().isFailure()) {
                reply(ctx, new HttpReply(400, "text/plain; charset=utf-8", "bad request\n"), false);
                return;
            }
            String uri = request.uri();
            int mark = uri.indexOf('?');
            HttpCall call = new HttpCall(request.method().name(), mark < 0 ? uri : uri.substring(0, mark), query(uri),
                    request.headers().get(HttpHeaderNames.AUTHORIZATION));
            HttpReply answer;
            try {
                answer = route.answer(call);
            } catch (IOException | RuntimeException e) {
                answer = new HttpReply(500, "application/json", error(e.toString()));
            }
            reply(ctx, answer, HttpUtil.isKeepAlive(request));
        }

        private static void reply(ChannelHandlerContext ctx, HttpReply answer, boolean keepAlive) {
            ByteBuf body = Unpooled.wrappedBuffer(answer.body());
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(answer.status()), body);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, answer.contentType());
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            if (keepAlive) {
                ctx.writeAndFlush(response);
            } else {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!(cause instanceof IOException)) {
                log.debug("{}: closing after {}", ctx.channel().remoteAddress(), cause.toString());
            }
            ctx.close();
        }
    }

    private static Map<String, String> query(String uri) {
        Map<String, String> out = new HashMap<>();
        int mark = uri.indexOf('?');
        String q = mark < 0 ? null : uri.substring(mark + 1);
        if (q == null) {
            return out;
        }
        for (String part : q.split("&")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                out.put(java.net.URLDecoder.decode(part.substring(0, eq), StandardCharsets.UTF_8),
                        java.net.URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static String error(String message) {
        return JSON.createObjectNode().put("error", message).toString();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /** Answers first: an answer still being computed must find its I/O thread alive to be written (or dropped). */
    private static void shutdown(EventLoopGroup io, EventExecutorGroup answers) {
        answers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        io.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        // closing the connections while both thread groups run lets every handler see its channel go
        connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        shutdown(io, answers);
    }
}
