package org.templar.pool.sv2.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.templar.share.Hex;

/**
 * Wire bytes written by hand from the spec's field tables (stratum-mining/sv2-spec), not produced
 * by this codec: frame header per 03-Protocol-Overview.md 3.2 (extension_type U16 LE with
 * channel_msg = 0x8000, msg_type U8, msg_length U24 LE), numbers per 08-Message-Types.md. Each
 * vector must decode to the expected record and the record must encode to exactly these bytes.
 */
@Timeout(30)
class Sv2FixedVectorsTest {

    private static void vector(String hex, Sv2Message expected) {
        byte[] wire = Hex.decode(hex.replace(" ", ""));
        assertEquals(expected, Sv2MessageCodec.fromWire(wire));
        assertArrayEquals(wire, Sv2MessageCodec.toWire(expected), () -> Hex.encode(Sv2MessageCodec.toWire(expected)));
    }

    private static U256 fill(String byteHex) {
        return U256.fromHex(byteHex.repeat(32));
    }

    @Test
    void commonSetupConnection() {
        // 3.6.1 table: protocol U8, min_version U16, max_version U16, flags U32, endpoint_host STR0_255,
        // endpoint_port U16, vendor, hardware_version, firmware, device_id (STR0_255 each).
        // Payload 1+2+2+4+(1+4)+2+(1+1)+1+1+1 = 21 bytes; flags = REQUIRES_WORK_SELECTION|REQUIRES_VERSION_ROLLING.
        vector("0000 00 150000"
                        + " 00 0200 0200 06000000 04706f6f6c 080d 0154 00 00 00",
                new Sv2Common.SetupConnection(0, 2, 2, 0b110, Str0255.of("pool"), 3336, Str0255.of("T"),
                        Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY));
    }

    @Test
    void commonSetupConnectionSuccessAndError() {
        // 3.6.2: used_version U16, flags U32.
        vector("0000 01 060000 0200 02000000", new Sv2Common.SetupConnectionSuccess(2, 2));
        // 3.6.3: flags U32, error_code STR0_255 "unsupported-feature-flags" (25 bytes).
        vector("0000 02 1e0000 01000000 19" + Hex.encode("unsupported-feature-flags".getBytes()),
                new Sv2Common.SetupConnectionError(1, Str0255.of("unsupported-feature-flags")));
    }

    @Test
    void commonChannelEndpointChangedIsAChannelMessage() {
        // 3.6.4: channel_id U32; 08 table: 0x03 with channel_msg bit 1.
        vector("0080 03 040000 efbeadde", new Sv2Common.ChannelEndpointChanged(0xdeadbeefL));
    }

    @Test
    void miningSubmitSharesStandard() {
        // 5.3.11: channel_id, sequence_number, job_id, nonce, ntime, version, all U32; 0x1a, channel_msg 1.
        vector("0080 1a 180000 01000000 02000000 03000000 efbeadde 00000065 00000020",
                new Sv2Mining.SubmitSharesStandard(1, 2, 3, 0xdeadbeefL, 0x65000000L, 0x20000000L));
    }

    @Test
    void miningNewMiningJobFutureAndActive() {
        // 5.3.15: channel_id U32, job_id U32, min_ntime OPTION[U32], version U32, merkle_root U256.
        vector("0080 15 2d0000 07000000 2a000000 00 00000020" + "11".repeat(32),
                new Sv2Mining.NewMiningJob(7, 42, OptionalLong.empty(), 0x20000000L, fill("11")));
        vector("0080 15 310000 07000000 2b000000 01 00000065 00000020" + "11".repeat(32),
                new Sv2Mining.NewMiningJob(7, 43, OptionalLong.of(0x65000000L), 0x20000000L, fill("11")));
    }

    @Test
    void miningOpenExtendedMiningChannelSuccess() {
        // 5.3.5: request_id U32, channel_id U32, target U256, extranonce_size U16, extranonce_prefix B0_32,
        // group_channel_id U32. 4+4+32+2+(1+4)+4 = 51 = 0x33; channel_msg bit 0.
        vector("0000 14 330000 01000000 02000000" + "ff".repeat(32) + " 0800 04 a1a2a3a4 00000000",
                new Sv2Mining.OpenExtendedMiningChannelSuccess(1, 2, fill("ff"), 8, Bytes.fromHex("a1a2a3a4"), 0));
    }

    @Test
    void miningSetGroupChannelHasNoChannelBit() {
        // 5.3.22: group_channel_id U32, channel_ids SEQ0_64K[U32]; 0x25, channel_msg 0.
        vector("0000 25 0e0000 09000000 0200 01000000 02000000",
                new Sv2Mining.SetGroupChannel(9, List.of(1L, 2L)));
    }

    @Test
    void miningNewExtendedMiningJob() {
        // 5.3.16: channel_id, job_id, min_ntime OPTION[U32], version, version_rolling_allowed BOOL,
        // merkle_path SEQ0_255[U256], coinbase_tx_prefix B0_64K, coinbase_tx_suffix B0_64K.
        // 4+4+1+4+1+(1+32)+(2+2)+(2+1) = 54 = 0x36.
        vector("0080 1f 360000 05000000 06000000 00 00000020 01 01" + "33".repeat(32) + " 0200 0102 0100 ff",
                new Sv2Mining.NewExtendedMiningJob(5, 6, OptionalLong.empty(), 0x20000000L, true,
                        List.of(fill("33")), Bytes.fromHex("0102"), Bytes.fromHex("ff")));
    }

    @Test
    void jobDeclarationAllocateMiningJobTokenAndPushSolution() {
        // 6.4.2: user_identifier STR0_255, request_id U32.
        vector("0000 50 070000 026162 05000000",
                new Sv2JobDeclaration.AllocateMiningJobToken(Str0255.of("ab"), 5));
        // 6.4.9: extranonce B0_32, prev hash U256, nonce, ntime, nbits, version U32. (1+2)+32+16 = 51.
        vector("0000 60 330000 02 cafe" + "44".repeat(32) + " 01000000 00000065 ffff7f20 00000020",
                new Sv2JobDeclaration.PushSolution(Bytes.fromHex("cafe"), fill("44"), 1, 0x65000000L, 0x207fffffL,
                        0x20000000L));
    }

    @Test
    void jobDeclarationProvideMissingTransactions() {
        // 6.4.7: request_id U32, unknown_tx_position_list SEQ0_64K[U16].
        vector("0000 55 0a0000 07000000 0200 0000 0300",
                new Sv2JobDeclaration.ProvideMissingTransactions(7, List.of(0, 3)));
        // 6.4.8: request_id U32, transaction_list SEQ0_64K[B0_16M].
        vector("0000 56 0c0000 07000000 0100 030000 aabbcc",
                new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(7, List.of(Bytes.fromHex("aabbcc"))));
    }

    @Test
    void templateDistributionSetNewPrevHash() {
        // 7.3: template_id U64, prev_hash U256, header_timestamp U32, nBits U32, target U256. 80 bytes, 0x72.
        vector("0000 72 500000 0100000000000000" + "22".repeat(32) + " 00000065 ffff7f20" + "ff".repeat(32),
                new Sv2TemplateDistribution.SetNewPrevHash(1, fill("22"), 0x65000000L, 0x207fffffL, fill("ff")));
    }

    @Test
    void templateDistributionCoinbaseOutputConstraintsAndRequestTransactionData() {
        // 7.1: coinbase_output_max_additional_size U32, coinbase_output_max_additional_sigops U16.
        vector("0000 70 060000 64000000 0400", new Sv2TemplateDistribution.CoinbaseOutputConstraints(100, 4));
        // 7.4: template_id U64.
        vector("0000 73 080000 0807060504030201",
                new Sv2TemplateDistribution.RequestTransactionData(0x0102030405060708L));
    }

    @Test
    void extensionsNegotiationRequestExtensions() {
        // extensions/0x0001 section 2: request_id U16, requested_extensions SEQ0_64K[U16]; extension_type 0x0001.
        vector("0100 00 060000 0100 0100 0200",
                new Sv2ExtensionsNegotiation.RequestExtensions(1, List.of(2)));
    }
}
