package org.templar.pool.sv1.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.templar.share.ExtranoncePrefix;
import org.templar.share.Hex;

/**
 * Decodes one Stratum V1 line (without its newline) into a message, as Netty's own codecs do: a typed
 * call of the expected direction, an answer, or an {@link Sv1Invalid} carrying the error to answer
 * with. Stateless. Jackson is used here and in {@link Sv1Methods} only, as a streaming parser over the
 * envelope: the id and an answer's result are kept as the exact text the peer sent, so that what is
 * echoed is byte for byte what came.
 */
public final class Sv1Decoder {
    /** Nesting limits keep a hostile line from costing more than its bytes. */
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).maxNumberLength(100).build())
            .build());

    private Sv1Decoder() {}

    /** The pool's side: a miner's line. Requests are typed as {@link Sv1ClientCall}s. */
    public static Sv1Message decodeFromMiner(String line) throws Sv1ProtocolException {
        return decode(line, true);
    }

    /** The miner's side: a pool's line. Requests are typed as {@link Sv1ServerCall}s. */
    public static Sv1Message decodeFromPool(String line) throws Sv1ProtocolException {
        return decode(line, false);
    }

    /** What one line holds, before it is checked and typed. */
    private static final class Envelope {
        String id; // JSON text; null when absent
        boolean badId;
        boolean hasMethod;
        String method;
        boolean badMethod;
        JsonNode params;
        String result; // JSON text; null when absent
        boolean hasError;
        JsonNode error;
    }

    private static Sv1Message decode(String line, boolean fromMiner) throws Sv1ProtocolException {
        Envelope e = read(line);
        if (e.badId) {
            throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: id must be a number, string or null");
        }
        Sv1Id id = e.id == null ? Sv1Id.NULL : Sv1Id.fromJson(e.id);
        if (e.hasMethod) {
            if (e.badMethod) {
                throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: method must be a string");
            }
            List<JsonNode> params = new ArrayList<>();
            if (e.params == null || e.params.isNull()) {
                // some miners omit params on parameterless calls
            } else if (e.params.isArray()) {
                e.params.forEach(params::add);
            } else {
                throw new Sv1ProtocolException(Sv1Error.INVALID_PARAMS, "Invalid params: params must be an array");
            }
            try {
                Sv1Call call = fromMiner ? Sv1Methods.parseClientCall(e.method, params)
                        : Sv1Methods.parseServerCall(e.method, params);
                return new Sv1Request(id, call);
            } catch (Sv1ProtocolException refused) {
                return new Sv1Invalid(id, e.method, refused.error());
            }
        }
        if (e.result != null || e.hasError) {
            return new Sv1Response(id, e.result == null ? Sv1Result.NULL : new Sv1Result.Raw(e.result),
                    decodeError(e.error));
        }
        throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: neither method nor result");
    }

    /**
     * Reads the whole envelope before judging any of it, so that a line that is not JSON at all is a
     * parse error whatever it starts with. Later keys of the same name win, as in a JSON object.
     */
    private static Envelope read(String line) throws Sv1ProtocolException {
        Envelope e = new Envelope();
        try (JsonParser p = MAPPER.createParser(line)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                if (first != null) {
                    p.skipChildren(); // a malformed array is still a parse error
                }
                throw new Sv1ProtocolException(Sv1Error.INVALID_REQUEST, "Invalid request: expected a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "id":
                        e.badId = !(value == JsonToken.VALUE_NULL || value == JsonToken.VALUE_STRING
                                || value.isNumeric());
                        e.id = e.badId ? null : rawValue(p, line);
                        break;
                    case "method":
                        e.hasMethod = value != JsonToken.VALUE_NULL;
                        e.badMethod = value != JsonToken.VALUE_STRING;
                        e.method = e.badMethod ? null : p.getText();
                        p.skipChildren();
                        break;
                    case "params":
                        e.params = p.readValueAsTree();
                        break;
                    case "result":
                        e.result = rawValue(p, line);
                        break;
                    case "error":
                        e.hasError = true;
                        e.error = p.readValueAsTree();
                        break;
                    default:
                        p.skipChildren();
                }
            }
        } catch (JsonProcessingException ex) {
            throw new Sv1ProtocolException(Sv1Error.PARSE_ERROR, "Parse error: invalid JSON");
        } catch (IOException ex) {
            throw new IllegalStateException("reading a string cannot fail", ex);
        }
        return e;
    }

    /** The current value's JSON text, exactly as the line spells it (the parser is left after it). */
    private static String rawValue(JsonParser p, String line) throws IOException {
        int start = (int) p.currentTokenLocation().getCharOffset();
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            p.finishToken(); // strings are read lazily: consume up to the closing quote
        } else {
            p.skipChildren();
        }
        int end = (int) p.currentLocation().getCharOffset();
        return line.substring(start, end);
    }

    private static Sv1Error decodeError(JsonNode error) {
        if (error == null || error.isNull()) {
            return null;
        }
        if (error.isArray() && error.size() >= 2) {
            return new Sv1Error(error.get(0).asInt(Sv1Error.OTHER), error.get(1).asText());
        }
        if (error.isObject()) {
            return new Sv1Error(error.path("code").asInt(Sv1Error.OTHER), error.path("message").asText());
        }
        return new Sv1Error(Sv1Error.OTHER, error.asText());
    }

    // ---- typing an answer, once the session knows what it asked ----

    private static JsonNode tree(Sv1Result result) throws Sv1ProtocolException {
        if (!(result instanceof Sv1Result.Raw raw)) {
            throw new IllegalArgumentException("not a result read from the wire: " + result);
        }
        try {
            return MAPPER.readTree(raw.json());
        } catch (JsonProcessingException e) {
            throw new Sv1ProtocolException(Sv1Error.PARSE_ERROR, "Parse error: invalid JSON");
        }
    }

    /** Whether an answer is {@code true} (the string "true" counts, as lenient firmware has it). */
    public static boolean isTrue(Sv1Result result) {
        if (result instanceof Sv1Result.Flag f) {
            return f.value();
        }
        try {
            return tree(result).asBoolean(false);
        } catch (Sv1ProtocolException e) {
            return false;
        }
    }

    /**
     * A mining.subscribe answer: {@code [subscriptions, extranonce1, extranonce2_size]}. The session id is
     * the one given for "mining.notify", if any (empty string when none usable).
     *
     * @throws Sv1ProtocolException when the answer does not have that shape or its extranonce is unusable
     */
    public static Sv1Result.Subscribed subscribed(Sv1Result result) throws Sv1ProtocolException {
        JsonNode r = tree(result);
        if (!r.isArray() || r.size() < 3 || !r.get(1).isTextual() || !r.get(2).canConvertToInt()) {
            throw new Sv1ProtocolException(Sv1Error.OTHER, "malformed result " + ((Sv1Result.Raw) result).json());
        }
        String en1 = r.get(1).asText();
        int en2Size = r.get(2).asInt();
        if ((en1.length() & 1) != 0 || !Hex.isHex(en1, en1.length() / 2) || en2Size < 0 || en2Size > 16
                || en1.length() / 2 + en2Size > 32) {
            throw new Sv1ProtocolException(Sv1Error.OTHER,
                    "unusable extranonce: extranonce1=" + en1 + ", extranonce2_size=" + en2Size);
        }
        return new Sv1Result.Subscribed(notifySubscription(r.get(0)).orElse(""), ExtranoncePrefix.parse(en1), en2Size);
    }

    /** The subscription id of "mining.notify" in [[["mining.set_difficulty", id], ["mining.notify", id]], ...]. */
    private static Optional<String> notifySubscription(JsonNode subscriptions) {
        if (subscriptions.isArray()) {
            for (JsonNode sub : subscriptions) {
                if (sub.isArray() && sub.size() >= 2 && Sv1Methods.NOTIFY.equals(sub.get(0).asText())
                        && sub.get(1).isTextual() && !sub.get(1).asText().isEmpty() && sub.get(1).asText().length() <= 64) {
                    return Optional.of(sub.get(1).asText());
                }
            }
        }
        return Optional.empty();
    }

    /**
     * A mining.configure answer, as far as version rolling goes (other extensions are not listed).
     *
     * @throws Sv1ProtocolException when version rolling is granted with a mask that is not 8 hex digits
     */
    public static Sv1Result.Configured configured(Sv1Result result) throws Sv1ProtocolException {
        JsonNode r;
        try {
            r = tree(result);
        } catch (Sv1ProtocolException e) {
            return new Sv1Result.Configured(false, 0, List.of());
        }
        if (!r.isObject() || !r.path("version-rolling").asBoolean(false)) {
            return new Sv1Result.Configured(false, 0, List.of());
        }
        int mask = Sv1Methods.hex32(r.path("version-rolling.mask").asText(""), "version-rolling.mask");
        return new Sv1Result.Configured(true, mask, List.of());
    }
}
