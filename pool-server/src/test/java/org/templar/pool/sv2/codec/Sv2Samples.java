package org.templar.pool.sv2.codec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.OptionalLong;
import java.util.stream.IntStream;

/** Hand-built messages for round-trip tests: one ordinary sample of every type, plus boundary-sized ones. */
final class Sv2Samples {
    private Sv2Samples() {
    }

    static Bytes bytes(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i * 31);
        }
        return Bytes.of(b);
    }

    static U256 u256(int seed) {
        return new U256(bytes(32, seed));
    }

    static Str0255 str(String s) {
        return Str0255.of(s);
    }

    static List<U256> hashes(int n) {
        List<U256> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(u256(i));
        }
        return out;
    }

    /** One typical message of every known type, in enum order. */
    static List<Sv2SpecMessage> typical() {
        return List.of(
                new Sv2Common.SetupConnection(0, 2, 2, Sv2Common.SetupConnection.REQUIRES_VERSION_ROLLING,
                        str("pool.example.com"), 3336, str("Templar"), str("cpu"), str("0.1.0"), str("rig-7")),
                new Sv2Common.SetupConnectionSuccess(2, Sv2Common.SetupConnectionSuccess.REQUIRES_EXTENDED_CHANNELS),
                new Sv2Common.SetupConnectionError(0b110, str("unsupported-feature-flags")),
                new Sv2Common.ChannelEndpointChanged(0xfffffffeL),
                new Sv2Common.Reconnect(str("backup.example.com"), 34255),

                new Sv2Mining.OpenStandardMiningChannel(1, str("alice.worker1"), 1.5e12f, u256(1)),
                new Sv2Mining.OpenStandardMiningChannelSuccess(1, 7, u256(2), bytes(4, 9), 3),
                new Sv2Mining.OpenMiningChannelError(1, str("max-target-out-of-range")),
                new Sv2Mining.OpenExtendedMiningChannel(2, str("bob"), 14e12f, u256(3), 8),
                new Sv2Mining.OpenExtendedMiningChannelSuccess(2, 8, u256(4), 8, bytes(8, 1), 0),
                new Sv2Mining.NewMiningJob(7, 42, OptionalLong.of(1_700_000_000L), 0x20000000L, u256(5)),
                new Sv2Mining.UpdateChannel(7, 2.0e13f, u256(6)),
                new Sv2Mining.UpdateChannelError(7, str("invalid-channel-id")),
                new Sv2Mining.CloseChannel(7, str("shutdown")),
                new Sv2Mining.SetExtranoncePrefix(7, bytes(16, 3)),
                new Sv2Mining.SubmitSharesStandard(7, 100, 42, 0xdeadbeefL, 1_700_000_123L, 0x20002000L),
                new Sv2Mining.SubmitSharesExtended(8, 101, 43, 0x12345678L, 1_700_000_124L, 0x2fffe000L, bytes(8, 4))
                        .withUserIdentity("Worker_001"),
                new Sv2Mining.SubmitSharesSuccess(8, 101, 12, 0xffff_ffff_ffffL),
                new Sv2Mining.SubmitSharesError(8, 102, str("stale-share")),
                new Sv2Mining.NewExtendedMiningJob(8, 44, OptionalLong.empty(), 0x20000000L, true, hashes(3),
                        bytes(42, 5), bytes(60, 6)),
                new Sv2Mining.SetNewPrevHash(8, 44, u256(7), 1_700_000_200L, 0x1d00ffffL),
                new Sv2Mining.SetTarget(8, u256(8)),
                new Sv2Mining.SetCustomMiningJob(8, 5, bytes(20, 1), 0x20000000L, u256(9), 1_700_000_300L,
                        0x207fffffL, 2, bytes(8, 2), 0xffffffffL, bytes(70, 3), 0, hashes(2)),
                new Sv2Mining.SetCustomMiningJobSuccess(8, 5, 45),
                new Sv2Mining.SetCustomMiningJobError(8, 5, str("invalid-mining-job-token")),
                new Sv2Mining.SetGroupChannel(1, List.of(7L, 8L, 0xffffffffL)),

                new Sv2JobDeclaration.AllocateMiningJobToken(str("alice"), 11),
                new Sv2JobDeclaration.AllocateMiningJobTokenSuccess(11, bytes(32, 7), bytes(35, 8)),
                new Sv2JobDeclaration.ProvideMissingTransactions(12, List.of(0, 5, 65535)),
                new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(12, List.of(bytes(250, 1), Bytes.EMPTY)),
                new Sv2JobDeclaration.DeclareMiningJob(12, bytes(32, 7), 0x20000000L, bytes(50, 1), bytes(90, 2),
                        hashes(4), bytes(3, 3)),
                new Sv2JobDeclaration.DeclareMiningJobSuccess(12, bytes(32, 9)),
                new Sv2JobDeclaration.DeclareMiningJobError(12, str("invalid-job-param-value-version"), bytes(4, 1)),
                new Sv2JobDeclaration.PushSolution(bytes(16, 2), u256(10), 77, 1_700_000_400L, 0x207fffffL,
                        0x20000000L),

                new Sv2TemplateDistribution.CoinbaseOutputConstraints(100, 4),
                new Sv2TemplateDistribution.NewTemplate(0x1122334455667788L, true, 0x20000000L, 2, bytes(4, 1),
                        0xfffffffeL, 312_500_000L, 2, bytes(80, 2), 0, hashes(5)),
                new Sv2TemplateDistribution.SetNewPrevHash(0x1122334455667788L, u256(11), 1_700_000_500L,
                        0x207fffffL, u256(12)),
                new Sv2TemplateDistribution.RequestTransactionData(-1L),
                new Sv2TemplateDistribution.RequestTransactionDataSuccess(9, bytes(0, 0),
                        List.of(bytes(200, 1), bytes(1, 2))),
                new Sv2TemplateDistribution.RequestTransactionDataError(9, str("template-id-not-found")),
                new Sv2TemplateDistribution.SubmitSolution(9, 0x20000000L, 1_700_000_600L, 0xabcdef01L, bytes(180, 4)),

                new Sv2ExtensionsNegotiation.RequestExtensions(1, List.of(2, 3)),
                new Sv2ExtensionsNegotiation.RequestExtensionsSuccess(1, List.of(2)),
                new Sv2ExtensionsNegotiation.RequestExtensionsError(1, List.of(3), List.of(5)),

                new Sv2NonCustodialPayouts.RequestPayoutOutputs(4, bytes(16, 7), 312_500_000L),
                new Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess(4, bytes(44, 8)),
                new Sv2NonCustodialPayouts.RequestPayoutOutputsError(4, str("stale-payout-outputs")));
    }

    /** Messages at their types' limits: empty and maximal strings, byte arrays and sequences. */
    static List<Sv2SpecMessage> boundaries() {
        Str0255 max255 = new Str0255(bytes(255, 65));
        List<Long> ids65535 = IntStream.range(0, 65535).mapToObj(i -> (long) i * 65537).toList();
        List<Integer> u16s65535 = IntStream.range(0, 65535).boxed().toList();
        return List.of(
                new Sv2Common.SetupConnection(2, 0, 65535, 0xffffffffL, Str0255.EMPTY, 0, Str0255.EMPTY,
                        Str0255.EMPTY, Str0255.EMPTY, Str0255.EMPTY),
                new Sv2Common.SetupConnection(255, 65535, 0, 0, max255, 65535, max255, max255, max255, max255),
                new Sv2Common.SetupConnectionError(0, max255),
                new Sv2Common.Reconnect(Str0255.EMPTY, 0),
                new Sv2Mining.OpenStandardMiningChannel(0xffffffffL, max255, Float.MAX_VALUE, u256(0)),
                new Sv2Mining.OpenStandardMiningChannel(0, Str0255.EMPTY, 0f, U256.ZERO),
                new Sv2Mining.OpenStandardMiningChannelSuccess(0, 0, u256(0), Bytes.EMPTY, 0),
                new Sv2Mining.OpenExtendedMiningChannelSuccess(1, 1, u256(0), 65535, bytes(32, 1), 0xffffffffL),
                new Sv2Mining.NewMiningJob(0, 0xffffffffL, OptionalLong.empty(), 0xffffffffL, u256(1)),
                new Sv2Mining.NewMiningJob(0, 0, OptionalLong.of(0xffffffffL), 0, u256(1)),
                new Sv2Mining.SetExtranoncePrefix(1, Bytes.EMPTY),
                new Sv2Mining.SetExtranoncePrefix(1, bytes(32, 1)),
                new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6, Bytes.EMPTY),
                new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6, bytes(32, 2))
                        .withUserIdentity("w".repeat(32)),
                new Sv2Mining.SubmitSharesExtended(1, 2, 3, 4, 5, 6, bytes(32, 2)).withUserIdentity(""),
                new Sv2Mining.SubmitSharesSuccess(1, 2, 3, -1L),
                new Sv2Mining.NewExtendedMiningJob(1, 2, OptionalLong.of(3), 4, false, List.of(), Bytes.EMPTY,
                        Bytes.EMPTY),
                new Sv2Mining.NewExtendedMiningJob(1, 2, OptionalLong.of(3), 4, true, hashes(255), bytes(65535, 1),
                        bytes(65535, 2)),
                new Sv2Mining.SetCustomMiningJob(1, 2, bytes(255, 3), 4, u256(5), 6, 7, 8, bytes(255, 9), 10,
                        bytes(65535, 11), 12, hashes(255)),
                new Sv2Mining.SetGroupChannel(1, List.of()),
                new Sv2Mining.SetGroupChannel(1, ids65535),
                new Sv2JobDeclaration.ProvideMissingTransactions(1, u16s65535),
                new Sv2JobDeclaration.ProvideMissingTransactionsSuccess(1, List.of()),
                new Sv2JobDeclaration.DeclareMiningJob(1, Bytes.EMPTY, 2, Bytes.EMPTY, Bytes.EMPTY, List.of(),
                        Bytes.EMPTY),
                new Sv2JobDeclaration.DeclareMiningJob(1, bytes(255, 1), 2, bytes(65535, 2), bytes(65535, 3),
                        hashes(256), bytes(65535, 4)),
                new Sv2JobDeclaration.PushSolution(Bytes.EMPTY, u256(1), 0, 0, 0, 0),
                new Sv2TemplateDistribution.NewTemplate(Long.MIN_VALUE, false, 0, 0, Bytes.EMPTY, 0, -1L, 0,
                        Bytes.EMPTY, 0xffffffffL, List.of()),
                new Sv2TemplateDistribution.RequestTransactionDataSuccess(0, bytes(65535, 1),
                        Collections.nCopies(1000, Bytes.EMPTY)),
                new Sv2TemplateDistribution.SubmitSolution(0, 0, 0, 0, bytes(65535, 5)),
                new Sv2ExtensionsNegotiation.RequestExtensions(65535, u16s65535),
                new Sv2ExtensionsNegotiation.RequestExtensionsError(0, List.of(), List.of()),
                new Sv2NonCustodialPayouts.RequestPayoutOutputs(0xffffffffL, Bytes.EMPTY, -1L),
                new Sv2NonCustodialPayouts.RequestPayoutOutputs(0, bytes(255, 1), 0),
                new Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess(0, Bytes.EMPTY),
                new Sv2NonCustodialPayouts.RequestPayoutOutputsSuccess(0xffffffffL, bytes(65535, 2)),
                new Sv2NonCustodialPayouts.RequestPayoutOutputsError(0, new Str0255(bytes(255, 65))));
    }
}
