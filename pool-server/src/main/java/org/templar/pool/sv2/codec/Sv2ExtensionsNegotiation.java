package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.u16;

import java.util.List;

/**
 * Extension 0x0001, extensions negotiation (extensions/0x0001-extensions-negotiation.md): the
 * messages a client must exchange before it may use extension 0x0002. Framed with
 * extension_type = 0x0001.
 */
public final class Sv2ExtensionsNegotiation {
    public static final int EXTENSION_TYPE = 0x0001;

    private Sv2ExtensionsNegotiation() {
    }

    /** RequestExtensions (0x00), client to server. */
    public record RequestExtensions(int requestId, List<Integer> requestedExtensions) implements Sv2SpecMessage {
        public RequestExtensions {
            u16(requestId, "request_id");
            requestedExtensions = Sv2Check.seqU16(requestedExtensions, 0xffff, "requested_extensions");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u16(requestId).seq0_64k(requestedExtensions, Sv2Writer::u16);
        }

        public static RequestExtensions decode(Sv2Reader r) {
            return new RequestExtensions(r.u16("request_id"), r.seq0_64k("requested_extensions", Sv2Reader::u16));
        }
    }

    /** RequestExtensions.Success (0x01). */
    public record RequestExtensionsSuccess(int requestId, List<Integer> supportedExtensions)
            implements Sv2SpecMessage {
        public RequestExtensionsSuccess {
            u16(requestId, "request_id");
            supportedExtensions = Sv2Check.seqU16(supportedExtensions, 0xffff, "supported_extensions");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u16(requestId).seq0_64k(supportedExtensions, Sv2Writer::u16);
        }

        public static RequestExtensionsSuccess decode(Sv2Reader r) {
            return new RequestExtensionsSuccess(r.u16("request_id"), r.seq0_64k("supported_extensions", Sv2Reader::u16));
        }
    }

    /** RequestExtensions.Error (0x02). */
    public record RequestExtensionsError(int requestId, List<Integer> unsupportedExtensions,
            List<Integer> requiredExtensions) implements Sv2SpecMessage {
        public RequestExtensionsError {
            u16(requestId, "request_id");
            unsupportedExtensions = Sv2Check.seqU16(unsupportedExtensions, 0xffff, "unsupported_extensions");
            requiredExtensions = Sv2Check.seqU16(requiredExtensions, 0xffff, "required_extensions");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u16(requestId).seq0_64k(unsupportedExtensions, Sv2Writer::u16).seq0_64k(requiredExtensions, Sv2Writer::u16);
        }

        public static RequestExtensionsError decode(Sv2Reader r) {
            return new RequestExtensionsError(r.u16("request_id"), r.seq0_64k("unsupported_extensions", Sv2Reader::u16),
                    r.seq0_64k("required_extensions", Sv2Reader::u16));
        }
    }
}
