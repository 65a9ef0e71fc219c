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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The operator's CLI: thin clients of the running pool's admin API. */
final class AdminCommands {
    private AdminCommands() {}

    /** Where the admin API is and how to authenticate. */
    abstract static class AdminCall implements Callable<Integer> {
        @Option(names = "--admin-url", defaultValue = "http://127.0.0.1:9109", description = "admin API (default ${DEFAULT-VALUE})")
        String adminUrl;

        @Option(names = "--token-file", defaultValue = "./data/admin.token", description = "admin token file (default ${DEFAULT-VALUE})")
        Path tokenFile;

        @Option(names = "--json", description = "print the raw JSON")
        boolean json;

        JsonNode call(String method, String path) throws Exception {
            String token = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();
            HttpRequest req = HttpRequest.newBuilder(URI.create(adminUrl + path))
                    .timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token)
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build();
            HttpResponse<String> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
            JsonNode body = new ObjectMapper().readTree(resp.body());
            if (resp.statusCode() != 200) {
                throw new IllegalStateException("admin API answered " + resp.statusCode() + ": " + body.path("error").asText());
            }
            return body;
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
        public Integer call() throws Exception {
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
            if (s.has("sv2_authority_public_key")) {
                System.out.println("SV2 authority public key " + s.get("sv2_authority_public_key").asText());
            }
            return 0;
        }
    }

    @Command(name = "workers", mixinStandardHelpOptions = true, description = "Workers with their shares and connections.")
    static final class Workers extends AdminCall {
        @Override
        public Integer call() throws Exception {
            JsonNode a = call("GET", "/api/workers");
            if (json) {
                return print(a);
            }
            System.out.printf("%-52s %12s %12s %12s %10s %12s %5s  %s%n", "worker", "hashrate 5m", "1h", "24h", "shares",
                    "best diff", "conns", "last share");
            for (JsonNode w : a) {
                JsonNode h = w.path("hashrate");
                System.out.printf("%-52s %12s %12s %12s %10d %12s %5d  %s%n", w.path("worker").asText(),
                        hashrate(h.path("5m").asDouble()), hashrate(h.path("1h").asDouble()), hashrate(h.path("24h").asDouble()),
                        w.path("shares").asLong(), number(w.path("best_share_difficulty").asDouble()),
                        w.path("connections").asInt(), w.path("lastShareAt").asText());
            }
            return 0;
        }
    }

    @Command(name = "accounts", mixinStandardHelpOptions = true, description = "Accounts (username before the first '.') with their hashrate.")
    static final class Accounts extends AdminCall {
        @Override
        public Integer call() throws Exception {
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
        @Option(names = "--limit", defaultValue = "20")
        int limit;

        @Override
        public Integer call() throws Exception {
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

    @Command(name = "kick", mixinStandardHelpOptions = true, description = "Disconnect a worker (or every worker of an account).")
    static final class Kick extends AdminCall {
        @Parameters(index = "0", description = "worker name or account")
        String worker;

        @Override
        public Integer call() throws Exception {
            JsonNode r = call("POST", "/api/kick?worker=" + java.net.URLEncoder.encode(worker, StandardCharsets.UTF_8));
            System.out.println("disconnected " + r.path("disconnected").asInt() + " connection(s)");
            return 0;
        }
    }

    @Command(name = "ban", mixinStandardHelpOptions = true, description = "Refuse an IP address (and drop its connections) for a while.")
    static final class Ban extends AdminCall {
        @Parameters(index = "0", description = "IPv4 or IPv6 address")
        String ip;

        @Option(names = "--minutes", defaultValue = "60", description = "how long (default ${DEFAULT-VALUE})")
        long minutes;

        @Override
        public Integer call() throws Exception {
            JsonNode r = call("POST", "/api/ban?ip=" + java.net.URLEncoder.encode(ip, StandardCharsets.UTF_8) + "&minutes=" + minutes);
            System.out.println("banned " + r.path("ip").asText() + " until " + r.path("until").asText() + ", disconnected "
                    + r.path("disconnected").asInt() + " connection(s)");
            return 0;
        }
    }

    @Command(name = "unban", mixinStandardHelpOptions = true, description = "Lift a ban.")
    static final class Unban extends AdminCall {
        @Parameters(index = "0", description = "IPv4 or IPv6 address")
        String ip;

        @Override
        public Integer call() throws Exception {
            JsonNode r = call("POST", "/api/unban?ip=" + java.net.URLEncoder.encode(ip, StandardCharsets.UTF_8));
            System.out.println(r.path("was_banned").asBoolean() ? "unbanned " + r.path("ip").asText() : r.path("ip").asText() + " was not banned");
            return 0;
        }
    }

    @Command(name = "bans", mixinStandardHelpOptions = true, description = "Addresses banned now, with the end of each ban.")
    static final class Bans extends AdminCall {
        @Override
        public Integer call() throws Exception {
            JsonNode r = call("GET", "/api/bans");
            if (json) {
                return print(r);
            }
            r.fields().forEachRemaining(e -> System.out.printf("%-40s until %s%n", e.getKey(), e.getValue().asText()));
            return 0;
        }
    }
}
