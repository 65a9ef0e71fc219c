package org.templar.pool.sv1.codec;

import java.util.List;
import java.util.Optional;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;

/**
 * The one writer of Stratum V1's wire format, in both directions: every call, answer and error goes
 * out through here as one line of compact JSON (without its newline). Written straight into a
 * {@link StringBuilder}: the shapes are fixed and small, and a tree per answer was most of the cost of
 * answering a handshake or a share (issue 12). The output is byte for byte what the Jackson tree
 * wrote before (key order, {@code "error": null} on success, numbers and string escapes);
 * {@code Sv1CodecTest} holds the two side by side.
 */
public final class Sv1Encoder {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private Sv1Encoder() {}

    /** One line of JSON, without the trailing newline. */
    public static String encode(Sv1Message message) {
        StringBuilder sb = new StringBuilder(96);
        encode(message, sb);
        return sb.toString();
    }

    /** Appends one line of JSON (without the trailing newline) to {@code sb}. */
    public static void encode(Sv1Message message, StringBuilder sb) {
        if (message instanceof Sv1Request r) {
            sb.append("{\"id\":").append(r.id().json()).append(",\"method\":");
            string(sb, r.method());
            sb.append(",\"params\":[");
            params(sb, r.call());
            sb.append("]}");
        } else if (message instanceof Sv1Response r) {
            sb.append("{\"id\":").append(r.id().json()).append(",\"result\":");
            if (r.isError()) {
                // [code, "message", null]: the traceback slot miners expect
                sb.append("null,\"error\":[").append(r.error().code()).append(',');
                string(sb, r.error().message());
                sb.append(",null]}");
            } else {
                result(sb, r.result());
                // "error": null, explicitly: some firmware breaks when the key is missing
                sb.append(",\"error\":null}");
            }
        } else {
            throw new IllegalArgumentException("not a line to send: " + message);
        }
    }

    private static void params(StringBuilder sb, Sv1Call call) {
        if (call instanceof Sv1ClientCall c) {
            clientParams(sb, c);
        } else {
            serverParams(sb, (Sv1ServerCall) call);
        }
    }

    private static void clientParams(StringBuilder sb, Sv1ClientCall call) {
        if (call instanceof Sv1ClientCall.Submit s) {
            string(sb, s.worker());
            sb.append(',');
            string(sb, s.jobId());
            sb.append(",\"").append(Hex.encode(s.extranonce2())).append("\",\"").append(Sv1Methods.hex32(s.ntime()))
                    .append("\",\"").append(Sv1Methods.hex32(s.nonce())).append('"');
            s.versionBits().ifPresent(bits -> sb.append(",\"").append(Sv1Methods.hex32(bits)).append('"'));
        } else if (call instanceof Sv1ClientCall.Subscribe s) {
            if (s.resumeSessionId().isPresent()) {
                optionalString(sb, s.userAgent());
                sb.append(',');
                string(sb, s.resumeSessionId().get());
            } else if (s.userAgent().isPresent()) {
                string(sb, s.userAgent().get());
            }
        } else if (call instanceof Sv1ClientCall.Authorize a) {
            string(sb, a.username());
            sb.append(',');
            string(sb, a.password());
        } else if (call instanceof Sv1ClientCall.Configure c) {
            sb.append('[');
            strings(sb, c.extensions());
            sb.append("],{");
            if (c.versionRollingMask().isPresent()) {
                sb.append("\"version-rolling.mask\":\"").append(Sv1Methods.hex32(c.versionRollingMask().get())).append('"');
                // advisory only (BIP310)
                c.minBitCount().ifPresent(n -> sb.append(",\"version-rolling.min-bit-count\":").append(n));
            }
            sb.append('}');
        } else if (call instanceof Sv1ClientCall.SuggestDifficulty d) {
            difficulty(sb, d.difficulty());
        } // ExtranonceSubscribe: no parameters
    }

    private static void serverParams(StringBuilder sb, Sv1ServerCall call) {
        if (call instanceof Sv1ServerCall.Notify n) {
            string(sb, n.jobId());
            sb.append(",\"").append(Hex.encode(Sv1Methods.wordSwap(n.prevHash()))).append("\",\"")
                    .append(Hex.encode(n.coinb1())).append("\",\"").append(Hex.encode(n.coinb2())).append("\",[");
            List<byte[]> branch = n.merkleBranch();
            for (int i = 0; i < branch.size(); i++) {
                sb.append(i == 0 ? "\"" : ",\"").append(Hex.encode(branch.get(i))).append('"');
            }
            sb.append("],\"").append(Sv1Methods.hex32(n.version())).append("\",\"").append(Sv1Methods.hex32(n.nbits()))
                    .append("\",\"").append(Sv1Methods.hex32(n.ntime())).append("\",").append(n.cleanJobs());
        } else if (call instanceof Sv1ServerCall.SetDifficulty d) {
            difficulty(sb, d.difficulty());
        } else if (call instanceof Sv1ServerCall.SetVersionMask m) {
            sb.append('"').append(Sv1Methods.hex32(m.mask())).append('"');
        } else if (call instanceof Sv1ServerCall.SetExtranonce e) {
            sb.append('"').append(e.extranonce1().toHex()).append("\",").append(e.extranonce2Size());
        } else if (call instanceof Sv1ServerCall.Reconnect r) {
            // no parameters at all means "this same pool again" to every firmware; an empty host breaks some
            if (r.host().isPresent() || r.port().isPresent() || r.waitSeconds() != 0) {
                optionalString(sb, r.host());
                sb.append(',');
                if (r.port().isPresent()) {
                    sb.append(r.port().getAsInt());
                } else {
                    sb.append("null");
                }
                sb.append(',').append(r.waitSeconds());
            }
        } else if (call instanceof Sv1ServerCall.ShowMessage m) {
            string(sb, m.text());
        } // GetVersion: no parameters
    }

    private static void result(StringBuilder sb, Sv1Result result) {
        if (result instanceof Sv1Result.Flag f) {
            sb.append(f.value());
        } else if (result instanceof Sv1Result.Subscribed s) {
            sb.append("[[[\"").append(Sv1Methods.SET_DIFFICULTY).append("\",");
            string(sb, s.sessionId());
            sb.append("],[\"").append(Sv1Methods.NOTIFY).append("\",");
            string(sb, s.sessionId());
            sb.append("]],\"").append(s.extranonce1().toHex()).append("\",").append(s.extranonce2Size()).append(']');
        } else if (result instanceof Sv1Result.Configured c) {
            sb.append('{');
            boolean first = true;
            if (c.versionRolling()) {
                sb.append("\"version-rolling\":true,\"version-rolling.mask\":\"").append(Sv1Methods.hex32(c.mask()))
                        .append('"');
                first = false;
            }
            for (String ext : c.unsupported()) {
                sb.append(first ? "" : ",");
                string(sb, ext);
                sb.append(":false");
                first = false;
            }
            sb.append('}');
        } else if (result instanceof Sv1Result.Text t) {
            string(sb, t.value());
        } else {
            sb.append(((Sv1Result.Raw) result).json());
        }
    }

    /** Difficulty as an integer when it is one (some firmware parses ints only), else as a double. */
    static void difficulty(StringBuilder sb, double d) {
        if (d == Math.rint(d) && d < 1e15) {
            sb.append((long) d);
        } else {
            sb.append(d);
        }
    }

    private static void strings(StringBuilder sb, List<String> values) {
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            string(sb, values.get(i));
        }
    }

    private static void optionalString(StringBuilder sb, Optional<String> value) {
        if (value.isPresent()) {
            string(sb, value.get());
        } else {
            sb.append("null");
        }
    }

    /**
     * A JSON string: quote, backslash and control characters escaped (the short forms where JSON has
     * them, {@code \}{@code u00XX} otherwise), everything else as it is.
     */
    static void string(StringBuilder sb, String s) {
        sb.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            sb.append(s, from, i).append('\\');
            switch (c) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '\n' -> sb.append('n');
                case '\r' -> sb.append('r');
                case '\t' -> sb.append('t');
                case '\b' -> sb.append('b');
                case '\f' -> sb.append('f');
                default -> sb.append("u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
            from = i + 1;
        }
        sb.append(s, from, s.length()).append('"');
    }
}
