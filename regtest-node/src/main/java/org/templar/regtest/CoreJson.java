package org.templar.regtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.List;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.core.TransactionInput;
import org.bitcoinj.core.TransactionOutput;
import org.bitcoinj.core.TransactionWitness;
import org.bitcoinj.script.Script;
import org.bitcoinj.script.ScriptChunk;
import org.bitcoinj.script.ScriptOpCodes;
import org.bitcoinj.script.ScriptPattern;

/**
 * Renders chain objects in Bitcoin Core's JSON shapes (core_write.cpp TxToUniv, ScriptToUniv;
 * rpc/blockchain.cpp blockheaderToJSON, blockToJSON). Amounts are BTC decimals with eight places,
 * as Core's ValueFromAmount writes them.
 */
final class CoreJson {
    static final JsonNodeFactory F = JsonNodeFactory.withExactBigDecimals(true);

    private CoreJson() {}

    static DecimalNode amount(long sats) {
        return DecimalNode.valueOf(BigDecimal.valueOf(sats, 8));
    }

    static String hex32(int v) {
        return String.format("%08x", v);
    }

    static String target(int bits) {
        String t = CompactBits.decode(bits).target().toString(16);
        return "0".repeat(64 - t.length()) + t;
    }

    static String chainWork(BlockRecord rec) {
        String t = rec.chainWork().toString(16);
        return "0".repeat(64 - t.length()) + t;
    }

    static ObjectNode header(RegtestChain chain, BlockRecord rec) {
        RawBlock b = rec.block();
        ObjectNode o = F.objectNode();
        o.put("hash", rec.hash().toString());
        o.put("confirmations", chain.confirmations(rec));
        o.put("height", rec.height());
        o.put("version", b.version());
        o.put("versionHex", hex32(b.version()));
        o.put("merkleroot", b.merkleRoot().toString());
        o.put("time", b.time());
        o.put("mediantime", rec.medianTimePast());
        o.put("nonce", b.nonce());
        o.put("bits", hex32(b.bits()));
        o.put("target", target(b.bits()));
        o.put("difficulty", RegtestConsensus.difficulty(b.bits()));
        o.put("chainwork", chainWork(rec));
        o.put("nTx", b.transactions().size());
        if (rec.parent() != null) {
            o.put("previousblockhash", rec.parent().hash().toString());
        }
        chain.nextOnActive(rec).ifPresent(n -> o.put("nextblockhash", n.hash().toString()));
        return o;
    }

    static ObjectNode block(RegtestChain chain, BlockRecord rec, int verbosity) {
        ObjectNode o = header(chain, rec);
        RawBlock b = rec.block();
        o.put("strippedsize", b.strippedSize());
        o.put("size", b.size());
        o.put("weight", b.weight());
        ArrayNode txs = o.putArray("tx");
        long[] fees = rec.fees();
        List<Transaction> list = b.transactions();
        for (int i = 0; i < list.size(); i++) {
            Transaction tx = list.get(i);
            if (verbosity <= 1) {
                txs.add(tx.getTxId().toString());
            } else {
                ObjectNode t = tx(tx);
                if (fees != null && i > 0) {
                    // Core shows the fee when it has the block's undo data, i.e. for connected blocks
                    t.remove("hex");
                    t.set("fee", amount(fees[i]));
                    t.put("hex", Hex.encode(tx.serialize()));
                }
                txs.add(t);
            }
        }
        return o;
    }

    /** TxToUniv with the hex. */
    static ObjectNode tx(Transaction tx) {
        ObjectNode o = F.objectNode();
        o.put("txid", tx.getTxId().toString());
        o.put("hash", tx.getWTxId().toString());
        o.put("version", tx.getVersion());
        o.put("size", tx.messageSize());
        o.put("vsize", tx.getVsize());
        o.put("weight", tx.getWeight());
        o.put("locktime", tx.getLockTime());
        ArrayNode vin = o.putArray("vin");
        for (TransactionInput in : tx.getInputs()) {
            ObjectNode i = vin.addObject();
            if (tx.isCoinBase()) {
                i.put("coinbase", Hex.encode(in.getScriptBytes()));
            } else {
                i.put("txid", in.getOutpoint().hash().toString());
                i.put("vout", in.getOutpoint().index());
                ObjectNode sig = i.putObject("scriptSig");
                sig.put("asm", asm(in.getScriptBytes()));
                sig.put("hex", Hex.encode(in.getScriptBytes()));
            }
            if (in.hasWitness()) {
                ArrayNode w = i.putArray("txinwitness");
                TransactionWitness witness = in.getWitness();
                for (int k = 0; k < witness.getPushCount(); k++) {
                    w.add(Hex.encode(witness.getPush(k)));
                }
            }
            i.put("sequence", in.getSequenceNumber());
        }
        ArrayNode vout = o.putArray("vout");
        for (TransactionOutput out : tx.getOutputs()) {
            ObjectNode v = vout.addObject();
            v.set("value", amount(out.getValue().value));
            v.put("n", out.getIndex());
            v.set("scriptPubKey", scriptPubKey(out.getScriptBytes()));
        }
        o.put("hex", Hex.encode(tx.serialize()));
        return o;
    }

    /** ScriptToUniv for outputs: asm, desc (inferred descriptor with checksum), hex, address when there is one, type. */
    static ObjectNode scriptPubKey(byte[] script) {
        String type = "nonstandard";
        String address = null;
        String desc = null;
        try {
            Script s = Script.parse(script);
            if (ScriptPattern.isP2PKH(s)) {
                type = "pubkeyhash";
            } else if (ScriptPattern.isP2SH(s)) {
                type = "scripthash";
            } else if (ScriptPattern.isP2WPKH(s)) {
                type = "witness_v0_keyhash";
            } else if (ScriptPattern.isP2WSH(s)) {
                type = "witness_v0_scripthash";
            } else if (ScriptPattern.isP2TR(s)) {
                type = "witness_v1_taproot";
                desc = "rawtr(" + Hex.encode(ScriptPattern.extractOutputKeyFromP2TR(s)) + ")";
            } else if (ScriptPattern.isP2PK(s)) {
                type = "pubkey";
                desc = "pk(" + Hex.encode(ScriptPattern.extractKeyFromP2PK(s)) + ")";
            } else if (ScriptPattern.isSentToMultisig(s)) {
                type = "multisig";
            } else if (RegtestChain.isOpReturn(script)) {
                type = "nulldata";
            } else if (StandardPolicy.isWitnessProgram(script)) {
                type = "witness_unknown";
            }
            if (type.startsWith("witness") || type.endsWith("hash")) {
                address = type.equals("witness_unknown")
                        ? org.bitcoinj.base.SegwitAddress.fromProgram(BitcoinNetwork.REGTEST, (script[0] & 0xff) - 0x50,
                                java.util.Arrays.copyOfRange(script, 2, script.length)).toString()
                        : s.getToAddress(BitcoinNetwork.REGTEST).toString();
            }
        } catch (RuntimeException e) {
            // unparsable scripts are "nonstandard" without an address, as in Core
        }
        if (desc == null) {
            desc = address != null && !type.equals("witness_v1_taproot") ? "addr(" + address + ")" : "raw(" + Hex.encode(script) + ")";
        }
        ObjectNode o = F.objectNode();
        o.put("asm", asm(script));
        o.put("desc", Descriptors.withChecksum(desc));
        o.put("hex", Hex.encode(script));
        if (address != null) {
            o.put("address", address);
        }
        o.put("type", type);
        return o;
    }

    /** ScriptToAsmStr: small pushes as numbers, others as hex, opcodes by name. */
    static String asm(byte[] script) {
        StringBuilder sb = new StringBuilder();
        try {
            for (ScriptChunk c : Script.parse(script).chunks()) {
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                int op = c.opcode;
                if (op == ScriptOpCodes.OP_0) {
                    sb.append('0');
                } else if (op == ScriptOpCodes.OP_1NEGATE) {
                    sb.append("-1");
                } else if (op >= ScriptOpCodes.OP_1 && op <= ScriptOpCodes.OP_16) {
                    sb.append(op - ScriptOpCodes.OP_1 + 1);
                } else if (c.data != null) {
                    if (c.data.length <= 4) {
                        sb.append(scriptNum(c.data));
                    } else {
                        sb.append(Hex.encode(c.data));
                    }
                } else {
                    sb.append("OP_").append(ScriptOpCodes.getOpCodeName(op));
                }
            }
        } catch (RuntimeException e) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append("[error]");
        }
        return sb.toString();
    }

    private static long scriptNum(byte[] d) {
        if (d.length == 0) {
            return 0;
        }
        long v = 0;
        for (int i = d.length - 1; i >= 0; i--) {
            v = (v << 8) | (d[i] & 0xff);
        }
        if ((d[d.length - 1] & 0x80) != 0) {
            v &= ~(0x80L << (8 * (d.length - 1)));
            return -v;
        }
        return v;
    }
}
