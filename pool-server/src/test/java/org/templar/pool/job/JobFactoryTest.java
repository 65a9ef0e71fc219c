package org.templar.pool.job;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Block;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.crypto.ECKey;
import org.bitcoinj.base.ScriptType;
import org.junit.jupiter.api.Test;
import org.templar.payout.coinbase.TxOut;
import org.templar.pool.core.Authorizer;
import org.templar.pool.node.BlockTemplate;
import org.templar.share.CoinbaseHeight;
import org.templar.share.Hex;
import org.templar.share.ShareCheck;
import org.templar.share.ShareHasher;

/** Coinbase and block assembly, cross-checked by parsing the result with bitcoinj. */
class JobFactoryTest {
    private static final String ADDRESS = new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString();
    // a commitment script as Core's default_witness_commitment spells it (OP_RETURN, 36-byte push, aa21a9ed + 32 bytes)
    private static final byte[] COMMITMENT = Hex.decode("6a24aa21a9ed" + "11".repeat(32));

    private static BlockTemplate template(int txCount, boolean segwit) {
        List<BlockTemplate.Tx> txs = new ArrayList<>();
        for (int i = 0; i < txCount; i++) {
            // a minimal well-formed transaction, distinct per i through its prevout index
            byte[] data = Hex.decode("01000000" + "01" + "22".repeat(32) + String.format("%02x000000", i) + "00" + "ffffffff"
                    + "01" + "e803000000000000" + "00" + "00000000");
            byte[] id = Sha256Hash.hashTwice(data);
            txs.add(new BlockTemplate.Tx(data, id, id, 1000 + i, 400));
        }
        return new BlockTemplate(0x20000000, Hex.decode("ab".repeat(32)), txs, 5_000_000_000L + 1000L * txCount,
                0x207fffff, 300, 1_700_000_000L, 1_699_999_000L, segwit ? Optional.of(COMMITMENT) : Optional.empty(), "lp");
    }

    private static Template templateOf(BlockTemplate bt) {
        long[] ids = {0};
        return new Template(1, bt, true, JobSettings.defaults(), () -> JobId.of(++ids[0]));
    }

    @Test
    void coinbasePaysTheAddressWithHeightAndCommitment() {
        Template t = templateOf(template(5, true));
        Job job = t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 8);
        byte[] extranonce = Hex.decode("0102030405060708");
        byte[] txidForm = job.work().coinbase(Hex.decode("01020304"), Hex.decode("05060708"));
        Transaction cb = Transaction.read(ByteBuffer.wrap(txidForm));
        byte[] scriptSig = cb.getInputs().get(0).getScriptBytes();
        assertEquals(300, CoinbaseHeight.decode(scriptSig), "BIP34 height first");
        assertTrue(scriptSig.length <= 100);
        assertTrue(Hex.encode(scriptSig).contains("0102030405060708"), "extranonce inside the scriptSig");
        List<TransactionOutput> outs = cb.getOutputs();
        assertEquals(2, outs.size());
        assertEquals(5_000_005_000L, outs.get(0).getValue().value, "whole coinbase value to the miner");
        assertEquals(ADDRESS, outs.get(0).getScriptPubKey().getToAddress(BitcoinNetwork.REGTEST).toString());
        assertArrayEquals(COMMITMENT, outs.get(1).getScriptBytes());

        Transaction withWitness = Transaction.read(ByteBuffer.wrap(job.coinbase().withWitness(extranonce)));
        assertTrue(withWitness.hasWitnesses());
        assertEquals(cb.getTxId(), withWitness.getTxId(), "the witness does not change the txid");
        assertEquals(32, withWitness.getInputs().get(0).getWitness().getPush(0).length);
    }

    @Test
    void assembledBlockHasTheMerkleRootTheMinerHashed() {
        for (int n : new int[] {0, 1, 2, 3, 6, 17}) {
            Template t = templateOf(template(n, true));
            Job job = t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 8);
            ShareCheck check = new ShareHasher().check(job.work(), Hex.decode("01020304"), Hex.decode("05060708"),
                    1_700_000_100, 42, 0x20000000);
            byte[] header = job.work().header(check.merkleRootCopy(), 1_700_000_100, 42, 0x20000000);
            Block block = Block.read(ByteBuffer.wrap(job.assembleBlock(Hex.decode("0102030405060708"), header)));
            assertEquals(n + 1, block.getTransactions().size());
            assertEquals(Sha256Hash.wrapReversed(check.merkleRootCopy()), block.getMerkleRoot());
            assertEquals(Sha256Hash.wrapReversed(check.hashCopy()), block.getHash(), "txs=" + n);
        }
    }

    @Test
    void jobsAreSharedPerPayoutAndExtranonceSize() {
        Template t = templateOf(template(2, false));
        Job a = t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 8);
        Job b = t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 8);
        Job c = t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 12);
        assertSame(a, b);
        assertTrue(!a.id().equals(c.id()));
        assertEquals(2, t.jobCount());
    }

    @Test
    void coinbaseOverTheFirmwareCapIsRefused() {
        BlockTemplate bt = template(1, true);
        Template t = new Template(1, bt, true, new JobSettings("/Templar/", 120, 10), () -> JobId.of(1));
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> t.jobFor(Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS), 8));
        assertTrue(e.getMessage().contains("max_coinbase_size"), e.getMessage());
    }

    @Test
    void outputsFillingThePayoutRoomFitEveryExtranonceSizeAndTag() {
        for (boolean segwit : new boolean[] {true, false}) {
            BlockTemplate bt = template(2, segwit);
            int cap = 730;
            int room = CoinbaseBuilder.payoutRoom(bt.defaultWitnessCommitment(), cap);
            // P2WPKH outputs (31 bytes each) and one output that takes the rest of the room exactly
            List<TxOut> outs = new ArrayList<>();
            int left = room;
            while (left >= 31 + 31) {
                outs.add(new TxOut(1, Hex.decode("0014" + "33".repeat(20))));
                left -= 31;
            }
            outs.add(new TxOut(1, new byte[left - 9]));
            assertEquals(room, outs.stream().mapToInt(TxOut::serializedSize).sum());
            for (int extranonce = 1; extranonce <= 75; extranonce++) {
                CoinbaseBuilder.Halves h = CoinbaseBuilder.build(bt.height(), extranonce, "/a pool tag of some length/",
                        outs, bt.defaultWitnessCommitment(), cap);
                assertTrue(h.size() <= cap, extranonce + ": " + h.size());
            }
        }
    }

    @Test
    void aPlannedPayoutIsWhatEveryJobOfTheTemplatePays() {
        BlockTemplate bt = template(1, true);
        long[] ids = {0};
        var plan = Authorizer.planFor(BitcoinNetwork.REGTEST, ADDRESS);
        Template t = new Template(1, bt, true, JobSettings.defaults(), () -> JobId.of(++ids[0]), null, null, plan);
        var other = Authorizer.planFor(BitcoinNetwork.REGTEST,
                new ECKey().toAddress(ScriptType.P2WPKH, BitcoinNetwork.REGTEST).toString());
        Job job = t.jobFor(other, 8);
        assertSame(plan, job.payout());
        assertSame(job, t.jobFor(plan, 8), "one job for every session of the template");
    }

    @Test
    void prevhashIsWordSwappedForStratumV1() {
        byte[] internal = new byte[32];
        for (int i = 0; i < 32; i++) {
            internal[i] = (byte) i;
        }
        assertEquals("03020100070605040b0a09080f0e0d0c13121110171615141b1a19181f1e1d1c", Job.wordSwappedHex(internal));
    }

    @Test
    void longTagIsShortenedToFitTheScriptSigLimit() {
        CoinbaseBuilder.Halves h = CoinbaseBuilder.build(1_000_000, 16, "x".repeat(200), List.of(new TxOut(1, new byte[] {0x51})),
                Optional.empty(), 1000);
        Transaction cb = Transaction.read(ByteBuffer.wrap(CoinbaseBuilder.concat(h.prefix(), new byte[16], h.suffix())));
        assertEquals(100, cb.getInputs().get(0).getScriptBytes().length);
    }
}
