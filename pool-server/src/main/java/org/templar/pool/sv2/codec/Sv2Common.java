package org.templar.pool.sv2.codec;

import static org.templar.pool.sv2.codec.Sv2Check.notNull;
import static org.templar.pool.sv2.codec.Sv2Check.u16;
import static org.templar.pool.sv2.codec.Sv2Check.u32;
import static org.templar.pool.sv2.codec.Sv2Check.u8;

/** Common protocol messages (03-Protocol-Overview.md section 3.6), valid on every subprotocol. */
public final class Sv2Common {
    private Sv2Common() {
    }

    /** SetupConnection (0x00), client to server, always the first message (spec 3.6.1). */
    public record SetupConnection(int protocol, int minVersion, int maxVersion, long flags, Str0255 endpointHost,
            int endpointPort, Str0255 vendor, Str0255 hardwareVersion, Str0255 firmware, Str0255 deviceId)
            implements Sv2SpecMessage {
        public static final int PROTOCOL_MINING = 0;
        public static final int PROTOCOL_JOB_DECLARATION = 1;
        public static final int PROTOCOL_TEMPLATE_DISTRIBUTION = 2;
        /** Mining protocol flags (05-Mining-Protocol.md 5.3.1), client side. */
        public static final long REQUIRES_STANDARD_JOBS = 1L;
        public static final long REQUIRES_WORK_SELECTION = 1L << 1;
        public static final long REQUIRES_VERSION_ROLLING = 1L << 2;
        /** Job Declaration protocol flag (06 section 6.4.1). */
        public static final long DECLARE_TX_DATA = 1L;

        public SetupConnection {
            u8(protocol, "protocol");
            u16(minVersion, "min_version");
            u16(maxVersion, "max_version");
            u32(flags, "flags");
            notNull(endpointHost, "endpoint_host");
            u16(endpointPort, "endpoint_port");
            notNull(vendor, "vendor");
            notNull(hardwareVersion, "hardware_version");
            notNull(firmware, "firmware");
            notNull(deviceId, "device_id");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u8(protocol).u16(minVersion).u16(maxVersion).u32(flags).str0_255(endpointHost).u16(endpointPort)
                    .str0_255(vendor).str0_255(hardwareVersion).str0_255(firmware).str0_255(deviceId);
        }

        public static SetupConnection decode(Sv2Reader r) {
            return new SetupConnection(r.u8("protocol"), r.u16("min_version"), r.u16("max_version"), r.u32("flags"),
                    r.str0_255("endpoint_host"), r.u16("endpoint_port"), r.str0_255("vendor"),
                    r.str0_255("hardware_version"), r.str0_255("firmware"), r.str0_255("device_id"));
        }
    }

    /** SetupConnection.Success (0x01), server to client. */
    public record SetupConnectionSuccess(int usedVersion, long flags) implements Sv2SpecMessage {
        /** Mining protocol flags (5.3.1), server side. */
        public static final long REQUIRES_FIXED_VERSION = 1L;
        public static final long REQUIRES_EXTENDED_CHANNELS = 1L << 1;

        public SetupConnectionSuccess {
            u16(usedVersion, "used_version");
            u32(flags, "flags");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u16(usedVersion).u32(flags);
        }

        public static SetupConnectionSuccess decode(Sv2Reader r) {
            return new SetupConnectionSuccess(r.u16("used_version"), r.u32("flags"));
        }
    }

    /** SetupConnection.Error (0x02): flags = the unsupported flags, 0 if the reason is something else. */
    public record SetupConnectionError(long flags, Str0255 errorCode) implements Sv2SpecMessage {
        public SetupConnectionError {
            u32(flags, "flags");
            notNull(errorCode, "error_code");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(flags).str0_255(errorCode);
        }

        public static SetupConnectionError decode(Sv2Reader r) {
            return new SetupConnectionError(r.u32("flags"), r.str0_255("error_code"));
        }
    }

    /** ChannelEndpointChanged (0x03, channel message). */
    public record ChannelEndpointChanged(long channelId) implements Sv2ChannelMessage {
        public ChannelEndpointChanged {
            u32(channelId, "channel_id");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.u32(channelId);
        }

        public static ChannelEndpointChanged decode(Sv2Reader r) {
            return new ChannelEndpointChanged(r.u32("channel_id"));
        }
    }

    /** Reconnect (0x04): empty host / port 0 mean "the present one". */
    public record Reconnect(Str0255 newHost, int newPort) implements Sv2SpecMessage {
        public Reconnect {
            notNull(newHost, "new_host");
            u16(newPort, "new_port");
        }

        @Override
        public void encodePayload(Sv2Writer w) {
            w.str0_255(newHost).u16(newPort);
        }

        public static Reconnect decode(Sv2Reader r) {
            return new Reconnect(r.str0_255("new_host"), r.u16("new_port"));
        }
    }
}
