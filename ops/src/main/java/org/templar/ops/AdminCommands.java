package org.templar.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.templar.ops.config.ConfigException;
import org.templar.ops.config.ConfigLoader;
import org.templar.ops.config.TemplarConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The operator's CLI: thin clients of the running pool's admin API. */
final class AdminCommands {
    private AdminCommands() {}

    /** Environment variables the CLI reads (a function, so tests can give their own). */
    static java.util.function.Function<String, String> env = System::getenv;

    /** A failure to report as one line on stderr with an exit code; no stack trace. */
    static final class CliFailure extends RuntimeException {
        final int exitCode;

        CliFailure(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }
    }

    /**
     * Exit codes: 0 done, 1 the pool or the request failed, 2 bad input (refused parameters, a
     * configuration file with errors), 3 reload applied what it could but some keys need a restart.
     */
    static final int FAILED = 1;
    static final int BAD_INPUT = 2;
    static final int NEEDS_RESTART = 3;

    /**
     * Where the admin API is and how to authenticate. The token is looked for, in order: --token-file,
     * TEMPLAR_ADMIN_TOKEN (the token itself), the pool's configuration (--config, --data-dir, then
     * TEMPLAR_CONFIG / TEMPLAR_DATA_DIR, then ./templar.toml) and finally ./data/admin.token. The URL
     * comes from --admin-url, TEMPLAR_ADMIN_URL or the configuration's admin.listen.
     */
    abstract static class AdminCall implements Callable<Integer> {
        static final String DEFAULT_URL = "http://127.0.0.1:9109";

        @Option(names = "--admin-url", description = "admin API (default: admin.listen of the configuration, else " + DEFAULT_URL + "; env TEMPLAR_ADMIN_URL)")
        String adminUrl;

        @Option(names = "--token-file", description = "admin token file (default: DATA_DIR/admin.token; env TEMPLAR_ADMIN_TOKEN holds the token itself)")
        Path tokenFile;

        @Option(names = {"-c", "--config"}, description = "the pool's templar.toml, to find its data_dir and admin.listen (env TEMPLAR_CONFIG)")
        Path configFile;

        @Option(names = "--data-dir", description = "the pool's data_dir, where admin.token is (env TEMPLAR_DATA_DIR; default ./data)")
        Path dataDir;

        @Option(names = "--json", description = "print the API's JSON answer as it is")
        boolean json;

        @Override
        public final Integer call() throws Exception {
            try {
                return run();
            } catch (CliFailure e) {
                System.err.println("templar: " + e.getMessage());
                return e.exitCode;
            }
        }

        abstract int run() throws Exception;

        /** The configuration the pool runs with, when one was named or is in the working directory. */
        private TemplarConfig config() {
            Path file = configFile;
            if (file == null && env.apply("TEMPLAR_CONFIG") != null) {
                file = Path.of(env.apply("TEMPLAR_CONFIG"));
            }
            Path dir = dataDir != null ? dataDir
                    : env.apply("TEMPLAR_DATA_DIR") != null ? Path.of(env.apply("TEMPLAR_DATA_DIR")) : null;
            if (file == null && Files.isRegularFile(Path.of("templar.toml"))) {
                file = Path.of("templar.toml");
            }
            if (file == null && dir == null) {
                return null;
            }
            if (file != null && !Files.isRegularFile(file)) {
                throw new CliFailure(FAILED, "no configuration file " + file);
            }
            Map<String, String> overrides = new java.util.LinkedHashMap<>();
            if (dir != null) {
                overrides.put("data_dir", dir.toString());
            }
            try {
                return ConfigLoader.load(file, overrides);
            } catch (ConfigException e) {
                throw new CliFailure(BAD_INPUT, (file == null ? "" : file + ": ") + e.getMessage());
            }
        }

        String url(TemplarConfig config) {
            if (adminUrl != null) {
                return trimSlash(adminUrl);
            }
            if (env.apply("TEMPLAR_ADMIN_URL") != null) {
                return trimSlash(env.apply("TEMPLAR_ADMIN_URL"));
            }
            if (config != null && config.admin().enabled()) {
                var a = config.admin().address();
                // a wildcard bind is reachable on loopback
                String host = a.getAddress() == null || a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
                return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
            }
            return DEFAULT_URL;
        }

        private static String trimSlash(String url) {
            return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        }

        String token(TemplarConfig config) {
            Path file = tokenFile;
            if (file == null) {
                String fromEnv = env.apply("TEMPLAR_ADMIN_TOKEN");
                if (fromEnv != null && !fromEnv.isBlank()) {
                    return fromEnv.trim();
                }
                if (config != null && config.adminToken().isPresent()) {
                    return config.adminToken().get();
                }
                file = (config != null ? config.dataDir() : Path.of("data")).resolve("admin.token");
            }
            try {
                return Files.readString(file, StandardCharsets.UTF_8).trim();
            } catch (java.nio.file.NoSuchFileException e) {
                throw new CliFailure(FAILED, "no admin token at " + file + " (the pool creates it on first start; "
                        + "point at the pool with --data-dir, --config or --token-file, or set TEMPLAR_ADMIN_TOKEN)");
            } catch (java.io.IOException e) {
                throw new CliFailure(FAILED, "cannot read the admin token " + file + ": " + e.getMessage());
            }
        }

        JsonNode call(String method, String path) throws InterruptedException {
            return call(method, path, Duration.ofSeconds(10));
        }

        /** As {@link #call(String, String)}, waiting up to {@code timeout} for the answer (long operations). */
        JsonNode call(String method, String path, Duration timeout) throws InterruptedException {
            TemplarConfig config = config();
            String base = url(config);
            String token = token(config);
            URI uri;
            try {
                uri = URI.create(base + path);
            } catch (IllegalArgumentException e) {
                throw new CliFailure(BAD_INPUT, "not a URL: " + base);
            }
            String where = uri.getHost() == null ? base : uri.getHost() + ":" + uri.getPort();
            HttpRequest req = HttpRequest.newBuilder(uri)
                    .timeout(timeout)
                    .header("Authorization", "Bearer " + token)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> resp;
            try {
                resp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
                        .send(req, HttpResponse.BodyHandlers.ofString());
            } catch (java.net.ConnectException e) {
                throw new CliFailure(FAILED, "no pool answering at " + where);
            } catch (java.net.http.HttpTimeoutException e) {
                throw new CliFailure(FAILED, "the pool at " + where + " did not answer within " + timeout.toSeconds() + " s");
            } catch (java.io.IOException e) {
                throw new CliFailure(FAILED, "talking to the pool at " + where + ": " + e.getMessage());
            }
            JsonNode body;
            try {
                body = new ObjectMapper().readTree(resp.body());
            } catch (java.io.IOException e) {
                throw new CliFailure(FAILED, "the server at " + where + " answered " + resp.statusCode()
                        + " with something that is not the admin API's JSON");
            }
            String error = body.path("error").asText(null);
            switch (resp.statusCode()) {
                case 200 -> {
                    return body;
                }
                case 401 -> throw new CliFailure(FAILED, "the pool at " + where + " refused the admin token (is it this pool's?)");
                case 400 -> throw new CliFailure(BAD_INPUT, error != null ? error : "bad request");
                default -> throw new CliFailure(FAILED, error != null ? error : "admin API answered " + resp.statusCode());
            }
        }

        int print(JsonNode body) {
            System.out.println(body.toPrettyString());
            return 0;
        }
    }

    static String hashrate(double hps) {
        String[] units = {"H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s"};
        int u = 0;
        while (hps >= 1000 && u < units.length - 1) {
            hps /= 1000;
            u++;
        }
        return String.format(java.util.Locale.ROOT, "%.2f %s", hps, units[u]);
    }

    static String number(double v) {
        return String.format(java.util.Locale.ROOT, "%.6g", v);
    }

    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 120) {
            return s + " s";
        }
        if (s < 7200) {
            return (s / 60) + " min";
        }
        if (s < 172800) {
            return String.format(java.util.Locale.ROOT, "%.1f h", s / 3600.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1f days", s / 86400.0);
    }

    @Command(name = "status", mixinStandardHelpOptions = true, description = "Pool status: chain tip, connections, shares.")
    static final class Status extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode s = call("GET", "/api/status");
            if (json) {
                return print(s);
            }
            System.out.printf("network %s, mode %s, chain tip height %s, %s SV1 + %s SV2 connections, %s shares recorded%n",
                    s.path("network").asText(), s.path("payout_mode").asText(), s.path("tip_height").asText("?"),
                    s.path("sv1_connections").asText(), s.path("sv2_connections").asText(), s.path("shares_recorded").asText());
            JsonNode h = s.path("hashrate");
            System.out.printf("hashrate %s (5m) %s (1h) %s (24h), %d active workers, last share %s%n",
                    hashrate(h.path("5m").asDouble()), hashrate(h.path("1h").asDouble()), hashrate(h.path("24h").asDouble()),
                    s.path("workers_active").asInt(), s.path("last_share_at").asText("never"));
            System.out.printf("best share difficulty %s this round, %s since start; shares %s%n",
                    number(s.path("best_share_difficulty_round").asDouble()), number(s.path("best_share_difficulty").asDouble()),
                    s.path("shares_by_outcome").toString());
            StringBuilder blocks = new StringBuilder();
            s.path("blocks_by_status").fields().forEachRemaining(e -> {
                if (e.getValue().asLong() > 0) {
                    blocks.append(blocks.length() == 0 ? "" : ", ").append(e.getValue().asLong()).append(' ').append(e.getKey());
                }
            });
            System.out.println("blocks: " + (blocks.length() == 0 ? "none yet" : blocks));
            if (s.has("network_difficulty")) {
                JsonNode eta = s.path("expected_seconds_to_block");
                System.out.printf("network difficulty %s, expected time to a block at this hashrate: %s%n",
                        number(s.path("network_difficulty").asDouble()), eta.isNumber() ? duration(eta.asDouble()) : "never (no hashrate)");
            }
            JsonNode jd = s.path("job_declaration");
            if (!jd.isMissingNode()) {
                StringBuilder declarations = new StringBuilder();
                jd.path("declarations_by_outcome").fields().forEachRemaining(e -> declarations
                        .append(declarations.length() == 0 ? "" : ", ").append(e.getValue().asLong()).append(' ').append(e.getKey()));
                StringBuilder sources = new StringBuilder();
                for (JsonNode src : jd.path("sources")) {
                    sources.append(sources.length() == 0 ? "" : ", ").append(src.path("source").asText()).append(' ')
                            .append(src.path("shares").asLong()).append(" shares / difficulty ")
                            .append(number(src.path("difficulty").asDouble()));
                }
                JsonNode f = jd.path("declared_work_fraction");
                System.out.printf("job declaration: declarations %s; work by template source %s; on miner-declared templates"
                        + " %.1f%% (1h) %.1f%% (24h); template sources in 24h: %d accounts, %d JDS connections%n",
                        declarations.length() == 0 ? "none" : declarations, sources.length() == 0 ? "none yet" : sources,
                        100 * f.path("1h").asDouble(), 100 * f.path("24h").asDouble(),
                        jd.path("declaring_accounts_24h").asInt(), jd.path("declaring_connections_24h").asInt());
            }
            if (s.has("sv2_authority_public_key")) {
                System.out.println("SV2 authority public key " + s.get("sv2_authority_public_key").asText());
            }
            return 0;
        }
    }

    @Command(name = "workers", mixinStandardHelpOptions = true, description = "Workers with their shares and connections.")
    static final class Workers extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode a = call("GET", "/api/workers");
            if (json) {
                return print(a);
            }
            System.out.printf("%-52s %12s %12s %12s %10s %12s %5s %-11s %6s  %s%n", "worker", "hashrate 5m", "1h", "24h",
                    "shares", "best diff", "conns", "template", "weight", "last share");
            for (JsonNode w : a) {
                JsonNode h = w.path("hashrate");
                JsonNode weight = w.path("revenue_weight");
                System.out.printf("%-52s %12s %12s %12s %10d %12s %5d %-11s %6s  %s%n", w.path("worker").asText(),
                        hashrate(h.path("5m").asDouble()), hashrate(h.path("1h").asDouble()), hashrate(h.path("24h").asDouble()),
                        w.path("shares").asLong(), number(w.path("best_share_difficulty").asDouble()),
                        w.path("connections").asInt(), w.path("template_source").asText("-"),
                        weight.isNumber() ? String.format(java.util.Locale.ROOT, "%.3f", weight.asDouble()) : "-",
                        w.path("lastShareAt").asText());
            }
            return 0;
        }
    }

    @Command(name = "accounts", mixinStandardHelpOptions = true, description = "Accounts (username before the first '.') with their hashrate.")
    static final class Accounts extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode a = call("GET", "/api/accounts");
            if (json) {
                return print(a);
            }
            System.out.printf("%-52s %12s %12s %12s %7s %12s  %s%n", "account", "hashrate 5m", "1h", "24h", "workers",
                    "best diff", "last share");
            for (JsonNode w : a) {
                JsonNode h = w.path("hashrate");
                System.out.printf("%-52s %12s %12s %12s %7d %12s  %s%n", w.path("account").asText(),
                        hashrate(h.path("5m").asDouble()), hashrate(h.path("1h").asDouble()), hashrate(h.path("24h").asDouble()),
                        w.path("workers").asInt(), number(w.path("best_share_difficulty").asDouble()),
                        w.path("last_share_at").asText());
            }
            return 0;
        }
    }

    @Command(name = "blocks", mixinStandardHelpOptions = true, description = "Blocks found, newest first.")
    static final class Blocks extends AdminCall {
        @Option(names = "--limit", defaultValue = "20", description = "how many, 1 to 1000 (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        int run() throws Exception {
            JsonNode a = call("GET", "/api/blocks?limit=" + limit);
            if (json) {
                return print(a);
            }
            System.out.printf("%7s %-64s %-9s %14s  %s%n", "height", "hash", "status", "reward (sat)", "worker");
            for (JsonNode b : a) {
                System.out.printf("%7s %-64s %-9s %14s  %s%n", b.path("height").asText(), b.path("hash").asText(),
                        b.path("status").asText(), b.path("rewardSats").asText(), b.path("worker").asText());
            }
            return 0;
        }
    }

    @Command(name = "kick", mixinStandardHelpOptions = true,
            description = "Disconnect a worker (or every worker of an account) and ban its address(es) for bans.kick_ban_seconds.")
    static final class Kick extends AdminCall {
        @Parameters(index = "0", description = "worker name or account")
        String worker;

        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/kick?worker=" + java.net.URLEncoder.encode(worker, StandardCharsets.UTF_8));
            if (json) {
                return print(r);
            }
            System.out.println("disconnected " + r.path("disconnected").asInt() + " connection(s); banned "
                    + r.path("banned") + " until " + r.path("banned_until").asText());
            return 0;
        }
    }

    @Command(name = "ban", mixinStandardHelpOptions = true,
            description = "Refuse an IP address or CIDR range (and drop its connections) for a while; kept in the database across restarts.")
    static final class Ban extends AdminCall {
        @Parameters(index = "0", description = "IPv4 or IPv6 address, or CIDR range (203.0.113.0/24, 2001:db8::/32)")
        String ip;

        @Option(names = "--for", description = "how long: 90s, 30m, 12h, 7d; at most 366d (default 1h)")
        String duration;

        @Option(names = "--minutes", description = "how long in minutes, 1 to 527040 (older form of --for)")
        Long minutes;

        @Option(names = "--reason", description = "why, shown by `templar bans` (default \"banned by the operator\")")
        String reason;

        @Override
        int run() throws Exception {
            StringBuilder q = new StringBuilder("/api/ban?ip=").append(enc(ip));
            if (duration != null) {
                q.append("&for=").append(enc(duration));
            }
            if (minutes != null) {
                q.append("&minutes=").append(minutes);
            }
            if (reason != null) {
                q.append("&reason=").append(enc(reason));
            }
            JsonNode r = call("POST", q.toString());
            if (json) {
                return print(r);
            }
            System.out.println("banned " + r.path("ip").asText() + " until " + r.path("until").asText() + ", disconnected "
                    + r.path("disconnected").asInt() + " connection(s)");
            return 0;
        }
    }

    private static String enc(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Command(name = "unban", mixinStandardHelpOptions = true, description = "Lift a ban (of an address or a CIDR range, as banned).")
    static final class Unban extends AdminCall {
        @Parameters(index = "0", description = "IPv4 or IPv6 address, or CIDR range")
        String ip;

        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/unban?ip=" + java.net.URLEncoder.encode(ip, StandardCharsets.UTF_8));
            if (json) {
                return print(r);
            }
            System.out.println(r.path("was_banned").asBoolean() ? "unbanned " + r.path("ip").asText() : r.path("ip").asText() + " was not banned");
            return 0;
        }
    }

    @Command(name = "set-difficulty", mixinStandardHelpOptions = true,
            description = "Fix the share difficulty of a worker's (or account's) SV1 connections and SV2 channels (SetTarget); vardiff off for them.")
    static final class SetDifficulty extends AdminCall {
        @Parameters(index = "0", description = "worker name or account")
        String worker;

        @Parameters(index = "1", description = "share difficulty, clamped to vardiff.minimum .. vardiff.maximum")
        String difficulty;

        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/difficulty?worker=" + java.net.URLEncoder.encode(worker, StandardCharsets.UTF_8)
                    + "&difficulty=" + java.net.URLEncoder.encode(difficulty, StandardCharsets.UTF_8));
            if (json) {
                return print(r);
            }
            System.out.println("difficulty " + number(r.path("difficulty").asDouble()) + " on "
                    + r.path("sv1_connections").asInt() + " SV1 connection(s) and " + r.path("sv2_channels").asInt()
                    + " SV2 channel(s) of " + r.path("worker").asText() + "; vardiff off for them");
            return 0;
        }
    }

    @Command(name = "drain", mixinStandardHelpOptions = true,
            description = "Stop accepting miners and ask every connected one to reconnect (they move to their backup pool).")
    static final class Drain extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/drain");
            if (json) {
                return print(r);
            }
            System.out.println("no longer accepting miners; asked " + r.path("sv1_asked_to_reconnect").asInt() + " SV1 and "
                    + r.path("sv2_asked_to_reconnect").asInt() + " SV2 connection(s) to reconnect");
            return 0;
        }
    }

    @Command(name = "reload", mixinStandardHelpOptions = true,
            description = "Re-read the pool's configuration file and apply what can change live (vardiff for new connections,"
                    + " webhook URLs, pool tag and coinbase settings of the next templates); lists each changed key as"
                    + " applied or needing a restart. Exit 0: everything changed is applied; 3: some keys need a restart;"
                    + " 2: the file has errors (nothing applied).")
    static final class Reload extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/reload");
            int restart = r.path("needs_restart").asInt();
            if (json) {
                print(r);
                return restart > 0 ? NEEDS_RESTART : 0;
            }
            String file = r.path("file").isTextual() ? r.path("file").asText() : "the command-line configuration (no file)";
            JsonNode changes = r.path("changes");
            if (changes.isEmpty()) {
                System.out.println("reloaded " + file + ": nothing changed");
                return 0;
            }
            System.out.println("reloaded " + file + ":");
            changes.fields().forEachRemaining(e -> System.out.printf("  %-32s %s%n", e.getKey(), e.getValue().asText()));
            if (restart > 0) {
                System.out.println(restart + " key(s) take effect only after a restart of the pool");
                return NEEDS_RESTART;
            }
            return 0;
        }
    }

    @Command(name = "payouts", mixinStandardHelpOptions = true, description = "Check and export how blocks were divided.",
            subcommands = {PayoutsVerify.class, PayoutsExport.class, PayoutsBatch.class, PayoutsMarkSent.class})
    static final class Payouts implements Callable<Integer> {
        @Override
        public Integer call() {
            picocli.CommandLine.usage(this, System.out);
            return 0;
        }
    }

    /** Exit code of {@code payouts verify} when a block's division does not match. */
    static final int MISMATCH = 4;

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Divide a block again from the ledger's shares and compare with its credits and its coinbase on the"
                    + " node; with --share-credits, price PPS/FPPS share-credit batches again from their shares and recorded"
                    + " rate; prints expected vs actual per account. With --export FILE, from a `payouts export` file alone"
                    + " (no pool, no database): each block divided again from the exported inputs, compared with the"
                    + " exported credits and, with --node, with the block's coinbase; each exported share-credit batch priced"
                    + " again from its shares and rate. Exit 0: all match; 4: a mismatch"
                    + " (named); 2: a malformed file.")
    static final class PayoutsVerify extends AdminCall {
        @Option(names = "--export", paramLabel = "FILE", description = "verify the JSON of `templar payouts export --block ...`"
                + " (or GET /api/payouts/export) alone, without the pool: FILE, or - for standard input")
        String export;

        @Option(names = "--node", paramLabel = "URL", description = "with --export: your node's JSON-RPC,"
                + " http://USER:PASSWORD@HOST:PORT (Bitcoin Core or `templar node`), to compare each block's coinbase")
        String node;

        @Option(names = "--block", description = "block hash, height, or 'all' (the newest 1000 blocks)")
        String block;

        @Option(names = "--share-credits", description = "PPS/FPPS share-credit batches: a batch id, 'all' (the newest 1000),"
                + " or a period of credit times FROM..TO (UTC dates or ISO instants, TO excluded)")
        String shareCredits;

        @Override
        int run() throws Exception {
            JsonNode r;
            if (export != null) {
                if (block != null || shareCredits != null) {
                    throw new CliFailure(BAD_INPUT, "--export checks the blocks of its file: drop --block and --share-credits");
                }
                r = verifyExport();
            } else if (node != null) {
                throw new CliFailure(BAD_INPUT, "--node goes with --export (the pool asks its own node otherwise)");
            } else if (block == null && shareCredits == null) {
                throw new CliFailure(BAD_INPUT, "name blocks with --block HASH|HEIGHT|all, share credits with --share-credits,"
                        + " or both; or a file with --export FILE");
            } else {
                r = call("GET", "/api/payouts/verify?" + query("block", block, "share_credits", shareCredits));
            }
            boolean ok = r.path("ok").asBoolean();
            if (json) {
                print(r);
                return ok ? 0 : MISMATCH;
            }
            for (JsonNode b : r.path("share_credits")) {
                boolean priced = !b.has("not_priced");
                System.out.printf("share credits batch %s (%s, shares %d..%d, %s shares, credited %s): %s%n", b.path("id").asText(),
                        b.path("scheme").asText(), b.path("from_share_id").asLong() + 1, b.path("to_share_id").asLong(),
                        b.path("shares").asText(), b.path("credited_at").asText(), !b.path("ok").asBoolean() ? "MISMATCH"
                                : priced ? "OK" : "NOT PRICED (credits shown)");
                if (priced) {
                    System.out.printf("  rate: subsidy %s sat, network difficulty %s, fees %s sat over %s blocks, fee %s ppm,"
                            + " donation %s ppm%n", b.path("subsidy_sats").asText(), b.path("network_difficulty").asText(),
                            b.path("fees_sats").asText(), b.path("fee_blocks").asText(), b.path("fee_ppm").asText(),
                            b.path("donation_ppm").asText());
                } else {
                    System.out.println("  " + b.path("not_priced").asText());
                }
                System.out.printf("  %-64s %14s %14s%n", "account", "expected", "credited");
                for (JsonNode l : b.path("accounts")) {
                    System.out.printf("  %-64s %14s %14d%n", l.path("account").asText(), l.path("expected_sats").asText("-"),
                            l.path("credited_sats").asLong());
                }
                for (JsonNode p : b.path("problems")) {
                    System.out.println("  MISMATCH " + p.asText());
                }
            }
            for (JsonNode b : r.path("blocks")) {
                boolean compacted = b.has("shares_compacted");
                System.out.printf("block %s at height %s (%s, %s): %s%n", b.path("hash").asText(), b.path("height").asText(),
                        b.path("status").asText(), b.path("scheme").asText(), !b.path("ok").asBoolean() ? "MISMATCH"
                                : compacted ? "SHARES COMPACTED (credits and coinbase shown, not divided again)" : "OK");
                if (compacted) {
                    System.out.println("  " + b.path("shares_compacted").asText());
                }
                System.out.printf("  %-64s %14s %14s %14s %14s%n", "account", "expected", "credited", "paid (ledger)", "coinbase");
                for (JsonNode l : b.path("accounts")) {
                    System.out.printf("  %-64s %14s %14d %14s %14s%n", l.path("account").asText(), l.path("expected_sats").asText("-"),
                            l.path("credited_sats").asLong(), l.path("paid_in_coinbase_sats").asText("-"),
                            l.path("coinbase_output_sats").asText("-"));
                }
                for (JsonNode p : b.path("problems")) {
                    System.out.println("  MISMATCH " + p.asText());
                }
            }
            return ok ? 0 : MISMATCH;
        }

        /** The export's blocks divided again here, from the file alone (and the node, when named). */
        private JsonNode verifyExport() {
            JsonNode file = readExport(export);
            java.util.Optional<org.templar.pool.node.NodeClient> client = java.util.Optional.empty();
            if (node != null) {
                try {
                    client = java.util.Optional.of(new org.templar.pool.node.NodeClient(
                            org.templar.pool.node.NodeEndpoint.parse(node, java.util.Optional.empty()), Duration.ofSeconds(10)));
                } catch (IllegalArgumentException e) {
                    throw new CliFailure(BAD_INPUT, "--node: " + e.getMessage());
                }
            }
            try {
                return ExportAudit.verify(file, client);
            } catch (ExportAudit.BadExport e) {
                throw new CliFailure(BAD_INPUT, (export.equals("-") ? "standard input" : export) + " is not a payouts export: "
                        + e.getMessage());
            } catch (IllegalStateException e) {
                throw new CliFailure(FAILED, e.getMessage()); // the node could not be asked
            }
        }
    }

    /** What {@code payouts verify --export} reads and asks: the file (or stdin) and, with --node, the miner's node. */
    private static JsonNode readExport(String file) {
        String name = file.equals("-") ? "standard input" : file;
        try {
            byte[] bytes = file.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(file));
            return AdminApi.JSON.readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new CliFailure(BAD_INPUT, name + " is not JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                            + e.getLocation().getColumnNr() + ")"));
        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
            throw new CliFailure(BAD_INPUT, "cannot read " + name + ": " + e.getMessage());
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Each block's division, the inputs of its plan and the shares of its window, for a miner to check on its own.")
    static final class PayoutsExport extends AdminCall {
        @Option(names = "--block", description = "block hash or height")
        String block;

        @Option(names = "--all", description = "every credited block (the newest 1000)")
        boolean all;

        @Option(names = "--share-credits", description = "PPS/FPPS share-credit batches instead: a batch id, 'all' (the newest"
                + " 1000), or a period of credit times FROM..TO; each with its rate, credits and shares")
        String shareCredits;

        @Option(names = "--format", defaultValue = "json", description = "json or csv (default ${DEFAULT-VALUE})")
        String format;

        @Override
        int run() throws Exception {
            int named = (block != null ? 1 : 0) + (all ? 1 : 0) + (shareCredits != null ? 1 : 0);
            if (named != 1) {
                throw new CliFailure(BAD_INPUT, "name one block with --block HASH|HEIGHT, or --all, or --share-credits BATCHES");
            }
            if (!format.equals("json") && !format.equals("csv")) {
                throw new CliFailure(BAD_INPUT, "--format must be json or csv, not '" + format + "'");
            }
            JsonNode r = call("GET", "/api/payouts/export?" + (shareCredits != null ? query("share_credits", shareCredits)
                    : query("block", all ? "all" : block)));
            if (format.equals("csv")) {
                System.out.print(shareCredits != null ? PayoutAudit.shareCreditsCsv(r) : PayoutAudit.csv(r));
                return 0;
            }
            return print(r);
        }
    }

    /** A query string of the pairs whose value is not null, URL-encoded. */
    static String query(String... nameValue) {
        StringBuilder q = new StringBuilder();
        for (int i = 0; i < nameValue.length; i += 2) {
            if (nameValue[i + 1] != null) {
                q.append(q.length() == 0 ? "" : "&").append(nameValue[i]).append('=')
                        .append(java.net.URLEncoder.encode(nameValue[i + 1], StandardCharsets.UTF_8));
            }
        }
        return q.toString();
    }

    @Command(name = "batch", mixinStandardHelpOptions = true,
            description = "Custodial schemes: put every available balance of at least payout.threshold_sats into a new payout"
                    + " batch and print it as Bitcoin Core sendmany JSON and as an unsigned, outputs-only PSBT for the"
                    + " operator's wallet to fund, sign and send. The pool holds no key.")
    static final class PayoutsBatch extends AdminCall {
        @Option(names = "--show", description = "print batch ID again instead of making a new one")
        Long show;

        @Option(names = "--out", description = "also write DIR/batch-ID-sendmany.json and DIR/batch-ID.psbt (binary BIP174)")
        Path out;

        @Override
        int run() throws Exception {
            JsonNode r = show != null ? call("GET", "/api/payouts/batch?id=" + show) : call("POST", "/api/payouts/batch");
            if (r.path("batch").isNull()) {
                System.out.println("nobody is due: no available balance reaches " + r.path("threshold_sats").asText() + " sat");
                return 0;
            }
            long id = r.path("batch").asLong();
            if (out != null) {
                Files.createDirectories(out);
                Files.writeString(out.resolve("batch-" + id + "-sendmany.json"), r.path("sendmany").asText() + "\n");
                Files.write(out.resolve("batch-" + id + ".psbt"), java.util.Base64.getDecoder().decode(r.path("psbt").asText()));
            }
            if (json) {
                return print(r);
            }
            System.out.printf("payout batch %d (%s): %d payment(s), %s sat%n", id, r.path("state").asText(),
                    r.path("items").size(), r.path("total_sats").asText());
            for (JsonNode i : r.path("items")) {
                System.out.printf("  %-64s %-64s %14d%n", i.path("account").asText(), i.path("address").asText(), i.path("sats").asLong());
            }
            System.out.println("sendmany: " + r.path("sendmany").asText());
            System.out.println("psbt (outputs only; the wallet adds inputs and change): " + r.path("psbt").asText());
            System.out.println("when the wallet has sent it: templar payouts mark-sent " + id + " TXID");
            return 0;
        }
    }

    @Command(name = "mark-sent", mixinStandardHelpOptions = true,
            description = "Record that the operator's wallet sent a payout batch as TXID; repeating it with the same txid changes nothing.")
    static final class PayoutsMarkSent extends AdminCall {
        @Parameters(index = "0", description = "batch id")
        long batch;

        @Parameters(index = "1", description = "the transaction id the wallet returned")
        String txid;

        @Override
        int run() throws Exception {
            JsonNode r = call("POST", "/api/payouts/mark-sent?batch=" + batch + "&txid="
                    + java.net.URLEncoder.encode(txid, StandardCharsets.UTF_8));
            if (json) {
                return print(r);
            }
            System.out.println("payout batch " + r.path("batch").asText() + " sent as " + r.path("txid").asText() + ": "
                    + r.path("total_sats").asText() + " sat paid");
            return 0;
        }
    }

    @Command(name = "ledger", mixinStandardHelpOptions = true, description = "The ledger's own upkeep.",
            subcommands = {LedgerCompact.class})
    static final class LedgerGroup implements Callable<Integer> {
        @Override
        public Integer call() {
            picocli.CommandLine.usage(this, System.out);
            return 0;
        }
    }

    @Command(name = "compact", mixinStandardHelpOptions = true,
            description = "Fold shares that no payout can read any more (older than ledger.retain_days, outside the current"
                    + " window, every unsettled block's window, PROP round and uncredited PPS share) into hourly per-worker"
                    + " aggregates now; the pool's leader also does it every ledger.compact_minutes. Safe to repeat or interrupt.")
    static final class LedgerCompact extends AdminCall {
        @Option(names = "--max-seconds", defaultValue = "60", description = "stop after this long; run again for the rest (default ${DEFAULT-VALUE})")
        int maxSeconds;

        @Option(names = "--dry-run", description = "only show where the cut lies now")
        boolean dryRun;

        @Override
        int run() throws Exception {
            if (maxSeconds < 1 || maxSeconds > 3600) {
                throw new CliFailure(BAD_INPUT, "--max-seconds must be 1..3600, not " + maxSeconds);
            }
            JsonNode r = dryRun ? call("GET", "/api/ledger/compact")
                    : call("POST", "/api/ledger/compact?max_seconds=" + maxSeconds, Duration.ofSeconds(maxSeconds + 30L));
            if (json) {
                return print(r);
            }
            JsonNode cut = r.path("cut");
            if (!dryRun) {
                System.out.printf("%d shares compacted in %.1f s (%d/s, %d batches)%s%n", r.path("shares_compacted").asLong(),
                        r.path("seconds").asDouble(), r.path("shares_per_second").asLong(), r.path("batches").asInt(),
                        r.path("done").asBoolean() ? "" : "; time is up, more are due: run it again");
            }
            System.out.printf("cut: shares accepted before %s%s%n", cut.path("before_time").asText(),
                    cut.path("scheme_bounds_before_id").isNull() ? "" : " with ids below " + cut.path("scheme_bounds_before_id").asText());
            System.out.printf("  age:             before %s (ledger.retain_days = %s)%n", cut.path("age_before").asText(),
                    r.path("retain_days").asText());
            if (!cut.path("window_from_id").isNull()) {
                System.out.println("  current window:  from share " + cut.path("window_from_id").asText());
            }
            System.out.println("  unsettled blocks: " + cut.path("unsettled_blocks").asInt()
                    + (cut.path("unsettled_blocks_from_id").isNull() ? "" : ", their windows from share " + cut.path("unsettled_blocks_from_id").asText()));
            if (cut.has("prop_round_from")) {
                System.out.println("  PROP rounds:     from " + cut.path("prop_round_from").asText());
            }
            if (cut.has("pps_credited_through_id")) {
                System.out.println("  PPS credited:    through share " + cut.path("pps_credited_through_id").asText());
            }
            JsonNode h = r.path("horizon");
            System.out.printf("ledger: %d shares in detail, %d compacted (up to share %s, accepted up to %s)%n",
                    r.path("shares_in_detail").asLong(), h.path("compacted_shares").asLong(), h.path("max_compacted_id").asText(),
                    h.path("max_compacted_at").asText("-"));
            return 0;
        }
    }

    @Command(name = "bans", mixinStandardHelpOptions = true,
            description = "Addresses and ranges banned now: until when, by whom (operator or automatic) and why.")
    static final class Bans extends AdminCall {
        @Override
        int run() throws Exception {
            JsonNode r = call("GET", "/api/bans");
            if (json) {
                return print(r);
            }
            System.out.printf("%-43s %-24s %-9s %s%n", "address/range", "until", "source", "reason");
            for (JsonNode b : r) {
                System.out.printf("%-43s %-24s %-9s %s%n", b.path("ip").asText(), b.path("until").asText(),
                        b.path("source").asText(), b.path("reason").asText());
            }
            return 0;
        }
    }
}
