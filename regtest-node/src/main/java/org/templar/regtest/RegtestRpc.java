package org.templar.regtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bitcoinj.base.Address;
import org.bitcoinj.base.AddressParser;
import org.bitcoinj.base.BitcoinNetwork;
import org.bitcoinj.base.SegwitAddress;
import org.bitcoinj.base.Sha256Hash;
import org.bitcoinj.core.Transaction;
import org.bitcoinj.script.ScriptBuilder;

/**
 * The JSON-RPC methods of the embedded node: parameters in (positional or named), Core-shaped JSON
 * out, Core's error codes. Knows nothing of HTTP. Confirmed transactions are always indexed
 * (as with -txindex=1), so getrawtransaction finds them without a block hash.
 */
public final class RegtestRpc {
    @FunctionalInterface
    private interface Method {
        JsonNode call(Args a) throws RpcException, InterruptedException;
    }

    private record Spec(List<String> argNames, Method method) {}

    /** Core answers the long poll when the tip or mempool changes; this bounds an idle wait. */
    private static final long LONGPOLL_MAX_MILLIS = 120_000;
    private static final String GENESIS_COINBASE_TXID = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b";

    private final RegtestChain chain;
    private final long startedAt = System.currentTimeMillis() / 1000;
    private final Map<String, Spec> methods = new LinkedHashMap<>();

    public RegtestRpc(RegtestChain chain) {
        this.chain = chain;
        def("getblockcount", List.of(), a -> CoreJson.F.numberNode(chain.height()));
        def("getbestblockhash", List.of(), a -> CoreJson.F.textNode(chain.tipHash().toString()));
        def("getblockhash", List.of("height"), this::getBlockHash);
        def("getblockheader", List.of("blockhash", "verbose"), this::getBlockHeader);
        def("getblock", List.of("blockhash", "verbosity"), this::getBlock);
        def("getblockchaininfo", List.of(), a -> blockchainInfo());
        def("getdifficulty", List.of(), a -> CoreJson.F.numberNode(RegtestConsensus.difficulty(RegtestConsensus.POW_LIMIT_BITS)));
        def("getmininginfo", List.of(), a -> miningInfo());
        def("getnetworkinfo", List.of(), a -> networkInfo());
        def("getconnectioncount", List.of(), a -> CoreJson.F.numberNode(0));
        def("getrawmempool", List.of("verbose", "mempool_sequence"), this::getRawMempool);
        def("getmempoolentry", List.of("txid"), this::getMempoolEntry);
        def("getrawtransaction", List.of("txid", "verbose", "blockhash"), this::getRawTransaction);
        def("decoderawtransaction", List.of("hexstring", "iswitness"), this::decodeRawTransaction);
        def("gettxout", List.of("txid", "n", "include_mempool"), this::getTxOut);
        def("sendrawtransaction", List.of("hexstring", "maxfeerate", "maxburnamount"), this::sendRawTransaction);
        def("submitblock", List.of("hexdata", "dummy"), this::submitBlock);
        def("getblocktemplate", List.of("template_request"), this::getBlockTemplate);
        def("generatetoaddress", List.of("nblocks", "address", "maxtries"), this::generateToAddress);
        def("generateblock", List.of("output", "transactions", "submit"), this::generateBlock);
        def("validateaddress", List.of("address"), this::validateAddress);
        def("uptime", List.of(), a -> CoreJson.F.numberNode(System.currentTimeMillis() / 1000 - startedAt));
        def("help", List.of("command"), this::help);
    }

    private void def(String name, List<String> argNames, Method m) {
        methods.put(name, new Spec(argNames, m));
    }

    /** Runs one call. {@code params} is null, an array or an object (named parameters). */
    public JsonNode call(String method, JsonNode params) throws RpcException, InterruptedException {
        Spec spec = methods.get(method);
        if (spec == null) {
            throw new RpcException(RpcException.RPC_METHOD_NOT_FOUND, "Method not found");
        }
        List<JsonNode> positional = new ArrayList<>();
        if (params == null || params.isNull()) {
            // no parameters
        } else if (params.isArray()) {
            params.forEach(positional::add);
        } else if (params.isObject()) {
            Set<String> known = new HashSet<>(spec.argNames());
            for (var it = params.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (!known.contains(name)) {
                    throw new RpcException(RpcException.RPC_INVALID_PARAMETER, "Unknown named parameter " + name);
                }
            }
            int last = -1;
            for (int i = 0; i < spec.argNames().size(); i++) {
                if (params.has(spec.argNames().get(i))) {
                    last = i;
                }
            }
            for (int i = 0; i <= last; i++) {
                JsonNode v = params.get(spec.argNames().get(i));
                positional.add(v == null ? NullNode.instance : v);
            }
        } else {
            throw new RpcException(RpcException.RPC_INVALID_REQUEST, "Params must be an array or object");
        }
        if (positional.size() > spec.argNames().size()) {
            throw new RpcException(RpcException.RPC_MISC_ERROR, usage(method, spec));
        }
        return spec.method().call(new Args(positional));
    }

    public Set<String> methodNames() {
        return methods.keySet();
    }

    private static String usage(String name, Spec spec) {
        StringBuilder sb = new StringBuilder(name);
        for (String a : spec.argNames()) {
            sb.append(" ( \"").append(a).append("\" )");
        }
        return sb.toString();
    }

    /** Positional arguments with Core's type errors. */
    private static final class Args {
        private final List<JsonNode> values;

        Args(List<JsonNode> values) {
            this.values = values;
        }

        boolean has(int i) {
            return i < values.size() && !values.get(i).isNull();
        }

        JsonNode get(int i) {
            return has(i) ? values.get(i) : null;
        }

        String str(int i, String name) throws RpcException {
            JsonNode v = required(i, name);
            if (!v.isTextual()) {
                throw typeError(v, "string");
            }
            return v.asText();
        }

        long num(int i, String name) throws RpcException {
            JsonNode v = required(i, name);
            if (!v.isNumber()) {
                throw typeError(v, "number");
            }
            return v.asLong();
        }

        long num(int i, long dflt) throws RpcException {
            return has(i) ? num(i, "") : dflt;
        }

        boolean bool(int i, boolean dflt) throws RpcException {
            if (!has(i)) {
                return dflt;
            }
            JsonNode v = values.get(i);
            if (!v.isBoolean()) {
                throw typeError(v, "bool");
            }
            return v.asBoolean();
        }

        private JsonNode required(int i, String name) throws RpcException {
            if (!has(i)) {
                throw new RpcException(RpcException.RPC_TYPE_ERROR, "Missing required argument " + name);
            }
            return values.get(i);
        }

        static RpcException typeError(JsonNode v, String expected) {
            return new RpcException(RpcException.RPC_TYPE_ERROR,
                    "JSON value of type " + jsonType(v) + " is not of expected type " + expected);
        }

        static String jsonType(JsonNode v) {
            if (v.isTextual()) return "string";
            if (v.isNumber()) return "number";
            if (v.isBoolean()) return "bool";
            if (v.isArray()) return "array";
            if (v.isObject()) return "object";
            return "null";
        }
    }

    static Sha256Hash parseHash(String s, String name) throws RpcException {
        if (s.length() != 64) {
            throw new RpcException(RpcException.RPC_INVALID_PARAMETER,
                    name + " must be of length 64 (not " + s.length() + ", for '" + s + "')");
        }
        if (!Hex.isHex(s, 32)) {
            throw new RpcException(RpcException.RPC_INVALID_PARAMETER, name + " must be hexadecimal string (not '" + s + "')");
        }
        return Sha256Hash.wrap(s.toLowerCase());
    }

    private BlockRecord requireBlock(String hashHex) throws RpcException {
        Sha256Hash h = parseHash(hashHex, "blockhash");
        return chain.block(h).orElseThrow(() -> new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Block not found"));
    }

    // ---- blockchain ----------------------------------------------------------------------------

    private JsonNode getBlockHash(Args a) throws RpcException {
        long h = a.num(0, "height");
        if (h < 0 || h > chain.height()) {
            throw new RpcException(RpcException.RPC_INVALID_PARAMETER, "Block height out of range");
        }
        return CoreJson.F.textNode(chain.blockAt((int) h).orElseThrow().hash().toString());
    }

    private JsonNode getBlockHeader(Args a) throws RpcException {
        BlockRecord rec = requireBlock(a.str(0, "blockhash"));
        if (!a.bool(1, true)) {
            return CoreJson.F.textNode(Hex.encode(rec.block().header()));
        }
        return CoreJson.header(chain, rec);
    }

    private JsonNode getBlock(Args a) throws RpcException {
        BlockRecord rec = requireBlock(a.str(0, "blockhash"));
        int verbosity = 1;
        if (a.has(1)) {
            JsonNode v = a.get(1);
            if (v.isBoolean()) {
                verbosity = v.asBoolean() ? 1 : 0;
            } else if (v.isNumber()) {
                verbosity = v.asInt();
            } else {
                throw Args.typeError(v, "number");
            }
        }
        if (verbosity <= 0) {
            return CoreJson.F.textNode(Hex.encode(rec.block().serialize()));
        }
        return CoreJson.block(chain, rec, verbosity);
    }

    private JsonNode blockchainInfo() {
        BlockRecord tip = chain.tip();
        ObjectNode o = CoreJson.F.objectNode();
        o.put("chain", "regtest");
        o.put("blocks", tip.height());
        o.put("headers", tip.height());
        o.put("bestblockhash", tip.hash().toString());
        o.put("bits", CoreJson.hex32(tip.block().bits()));
        o.put("target", CoreJson.target(tip.block().bits()));
        o.put("difficulty", RegtestConsensus.difficulty(tip.block().bits()));
        o.put("time", tip.block().time());
        o.put("mediantime", tip.medianTimePast());
        o.put("verificationprogress", 1);
        o.put("initialblockdownload", false);
        o.put("chainwork", CoreJson.chainWork(tip));
        o.put("size_on_disk", 0);
        o.put("pruned", false);
        o.putArray("warnings");
        return o;
    }

    private JsonNode miningInfo() {
        BlockRecord tip = chain.tip();
        int bits = RegtestConsensus.POW_LIMIT_BITS;
        ObjectNode o = CoreJson.F.objectNode();
        o.put("blocks", tip.height());
        o.put("bits", CoreJson.hex32(bits));
        o.put("difficulty", RegtestConsensus.difficulty(bits));
        o.put("target", CoreJson.target(bits));
        o.put("networkhashps", 0);
        o.put("pooledtx", chain.mempool().size());
        o.put("chain", "regtest");
        ObjectNode next = o.putObject("next");
        next.put("height", tip.height() + 1);
        next.put("bits", CoreJson.hex32(bits));
        next.put("difficulty", RegtestConsensus.difficulty(bits));
        next.put("target", CoreJson.target(bits));
        o.putArray("warnings");
        return o;
    }

    /** Announces itself as a Core v31.0 node, whose RPC behaviour it follows. */
    public static final int ADVERTISED_VERSION = 310000;

    private JsonNode networkInfo() {
        ObjectNode o = CoreJson.F.objectNode();
        o.put("version", ADVERTISED_VERSION);
        o.put("subversion", "/Satoshi:31.0.0(templar-embedded-regtest)/");
        o.put("protocolversion", 70016);
        o.put("localservices", "0000000000000409");
        ArrayNode names = o.putArray("localservicesnames");
        names.add("NETWORK");
        names.add("WITNESS");
        names.add("NETWORK_LIMITED");
        o.put("localrelay", true);
        o.put("timeoffset", 0);
        o.put("networkactive", true);
        o.put("connections", 0);
        o.put("connections_in", 0);
        o.put("connections_out", 0);
        o.putArray("networks");
        o.set("relayfee", CoreJson.amount(RegtestConsensus.MIN_RELAY_FEE_PER_KVB));
        o.set("incrementalfee", CoreJson.amount(RegtestConsensus.INCREMENTAL_RELAY_FEE_PER_KVB));
        o.putArray("localaddresses");
        o.putArray("warnings");
        return o;
    }

    // ---- mempool and transactions --------------------------------------------------------------

    private JsonNode getRawMempool(Args a) throws RpcException {
        boolean verbose = a.bool(0, false);
        if (!verbose) {
            ArrayNode arr = CoreJson.F.arrayNode();
            for (MempoolEntry e : chain.mempool()) {
                arr.add(e.txid().toString());
            }
            return arr;
        }
        ObjectNode o = CoreJson.F.objectNode();
        for (MempoolEntry e : chain.mempool()) {
            o.set(e.txid().toString(), entryJson(e));
        }
        return o;
    }

    /**
     * Core's gettxout: an unspent output of the chain tip's UTXO set, or null. With include_mempool
     * (the default) outputs of mempool transactions count too, and outputs a mempool transaction
     * spends do not.
     */
    private JsonNode getTxOut(Args a) throws RpcException {
        Sha256Hash txid = parseHash(a.str(0, "txid"), "txid");
        long n = a.num(1, "n");
        boolean includeMempool = a.bool(2, true);
        OutPointKey key = new OutPointKey(txid, n);
        long value;
        byte[] script;
        int confirmations;
        boolean coinbase;
        if (includeMempool && chain.spentInMempool(key)) {
            return NullNode.instance;
        }
        Optional<Utxo> u = chain.utxo(key);
        Optional<MempoolEntry> m = includeMempool ? chain.mempoolEntry(txid) : Optional.empty();
        if (u.isPresent()) {
            value = u.get().value();
            script = u.get().script();
            confirmations = chain.height() - u.get().height() + 1;
            coinbase = u.get().coinbase();
        } else if (m.isPresent() && n >= 0 && n < m.get().tx().getOutputs().size()) {
            value = m.get().tx().getOutput(n).getValue().getValue();
            script = m.get().tx().getOutput(n).getScriptBytes();
            confirmations = 0;
            coinbase = false;
        } else {
            return NullNode.instance;
        }
        ObjectNode o = CoreJson.F.objectNode();
        o.put("bestblock", chain.tipHash().toString());
        o.put("confirmations", confirmations);
        o.set("value", CoreJson.amount(value));
        o.set("scriptPubKey", CoreJson.scriptPubKey(script));
        o.put("coinbase", coinbase);
        return o;
    }

    private JsonNode getMempoolEntry(Args a) throws RpcException {
        Sha256Hash txid = parseHash(a.str(0, "txid"), "txid");
        MempoolEntry e = chain.mempoolEntry(txid)
                .orElseThrow(() -> new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool"));
        return entryJson(e);
    }

    private ObjectNode entryJson(MempoolEntry e) {
        Set<Sha256Hash> ancestors = new HashSet<>();
        collectAncestors(e, ancestors);
        Set<Sha256Hash> descendants = new HashSet<>();
        collectDescendants(e.txid(), descendants);
        long ancSize = e.vsize(), ancFees = e.fee(), descSize = e.vsize(), descFees = e.fee();
        for (Sha256Hash h : ancestors) {
            Optional<MempoolEntry> m = chain.mempoolEntry(h);
            if (m.isPresent()) {
                ancSize += m.get().vsize();
                ancFees += m.get().fee();
            }
        }
        for (Sha256Hash h : descendants) {
            Optional<MempoolEntry> m = chain.mempoolEntry(h);
            if (m.isPresent()) {
                descSize += m.get().vsize();
                descFees += m.get().fee();
            }
        }
        ObjectNode o = CoreJson.F.objectNode();
        o.put("vsize", e.vsize());
        o.put("weight", e.weight());
        o.put("time", e.time());
        o.put("height", e.height());
        o.put("descendantcount", descendants.size() + 1);
        o.put("descendantsize", descSize);
        o.put("ancestorcount", ancestors.size() + 1);
        o.put("ancestorsize", ancSize);
        o.put("wtxid", e.tx().getWTxId().toString());
        ObjectNode fees = o.putObject("fees");
        fees.set("base", CoreJson.amount(e.fee()));
        fees.set("modified", CoreJson.amount(e.fee()));
        fees.set("ancestor", CoreJson.amount(ancFees));
        fees.set("descendant", CoreJson.amount(descFees));
        ArrayNode depends = o.putArray("depends");
        e.parents().forEach(p -> depends.add(p.toString()));
        ArrayNode spentby = o.putArray("spentby");
        chain.mempoolChildren(e.txid()).forEach(c -> spentby.add(c.toString()));
        o.put("bip125-replaceable", false);
        o.put("unbroadcast", false);
        return o;
    }

    private void collectAncestors(MempoolEntry e, Set<Sha256Hash> out) {
        for (Sha256Hash p : e.parents()) {
            if (out.add(p)) {
                chain.mempoolEntry(p).ifPresent(pe -> collectAncestors(pe, out));
            }
        }
    }

    private void collectDescendants(Sha256Hash txid, Set<Sha256Hash> out) {
        for (Sha256Hash c : chain.mempoolChildren(txid)) {
            if (out.add(c)) {
                collectDescendants(c, out);
            }
        }
    }

    private JsonNode getRawTransaction(Args a) throws RpcException {
        Sha256Hash txid = parseHash(a.str(0, "txid"), "txid");
        int verbosity = 0;
        if (a.has(1)) {
            JsonNode v = a.get(1);
            if (v.isBoolean()) {
                verbosity = v.asBoolean() ? 1 : 0;
            } else if (v.isNumber()) {
                verbosity = v.asInt();
            } else {
                throw Args.typeError(v, "number");
            }
        }
        if (txid.toString().equals(GENESIS_COINBASE_TXID)) {
            throw new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY,
                    "The genesis block coinbase is not considered an ordinary transaction and cannot be retrieved");
        }
        BlockRecord inBlock = null;
        Transaction tx = null;
        boolean explicitBlock = a.has(2);
        if (explicitBlock) {
            Sha256Hash bh = parseHash(a.str(2, "blockhash"), "parameter 3");
            inBlock = chain.block(bh).orElseThrow(() -> new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Block hash not found"));
            tx = findIn(inBlock, txid);
            if (tx == null) {
                throw new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY,
                        "No such transaction found in the provided block. Use gettransaction for wallet transactions.");
            }
        } else {
            Optional<MempoolEntry> m = chain.mempoolEntry(txid);
            if (m.isPresent()) {
                tx = m.get().tx();
            } else {
                inBlock = chain.blockOfTransaction(txid).orElse(null);
                tx = inBlock == null ? null : findIn(inBlock, txid);
            }
            if (tx == null) {
                throw new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY,
                        "No such mempool or blockchain transaction. Use gettransaction for wallet transactions.");
            }
        }
        if (verbosity <= 0) {
            return CoreJson.F.textNode(Hex.encode(tx.serialize()));
        }
        ObjectNode o = CoreJson.F.objectNode();
        if (explicitBlock) {
            o.put("in_active_chain", chain.isActive(inBlock));
        }
        o.setAll(CoreJson.tx(tx));
        if (inBlock != null) {
            o.put("blockhash", inBlock.hash().toString());
            int conf = chain.confirmations(inBlock);
            o.put("confirmations", Math.max(conf, 0));
            if (conf > 0) {
                o.put("time", inBlock.block().time());
                o.put("blocktime", inBlock.block().time());
            }
        }
        return o;
    }

    /**
     * Core's decoderawtransaction: the transaction as getrawtransaction shows it, without block fields.
     * Anything that is not exactly one serialized transaction is -22 "TX decode failed" (Core's text,
     * shorter than sendrawtransaction's). A transaction without inputs is refused too: its legacy form
     * reads as the witness marker, a guess Core makes and this node does not.
     */
    private JsonNode decodeRawTransaction(Args a) throws RpcException {
        String hex = a.str(0, "hexstring");
        if (a.has(1) && !a.get(1).isBoolean()) {
            throw Args.typeError(a.get(1), "bool");
        }
        try {
            ObjectNode o = CoreJson.tx(decodeTx(hex));
            o.remove("hex"); // TxToUniv(..., include_hex=false) in Core
            return o;
        } catch (RpcException e) {
            throw new RpcException(RpcException.RPC_DESERIALIZATION_ERROR, "TX decode failed");
        }
    }

    private static Transaction findIn(BlockRecord rec, Sha256Hash txid) {
        for (Transaction t : rec.block().transactions()) {
            if (t.getTxId().equals(txid)) {
                return t;
            }
        }
        return null;
    }

    private JsonNode sendRawTransaction(Args a) throws RpcException {
        String hex = a.str(0, "hexstring");
        long maxFeeRate = RegtestConsensus.DEFAULT_MAX_RAW_TX_FEE_PER_KVB;
        if (a.has(1)) {
            JsonNode v = a.get(1);
            if (!v.isNumber() && !v.isTextual()) {
                throw Args.typeError(v, "number");
            }
            maxFeeRate = btcToSats(v);
        }
        long maxBurn = a.has(2) ? btcToSats(a.get(2)) : 0;
        Transaction tx = decodeTx(hex);
        for (org.bitcoinj.core.TransactionOutput out : tx.getOutputs()) {
            if (RegtestChain.isUnspendable(out.getScriptBytes()) && out.getValue().value > maxBurn) {
                throw new RpcException(RpcException.RPC_VERIFY_ERROR, "Unspendable output exceeds maximum configured by user (maxburnamount)");
            }
        }
        try {
            return CoreJson.F.textNode(chain.acceptTransaction(tx, maxFeeRate).toString());
        } catch (TxRejected r) {
            throw new RpcException(r.code(), r.getMessage());
        }
    }

    private static long btcToSats(JsonNode v) throws RpcException {
        try {
            BigDecimal btc = new BigDecimal(v.asText());
            if (btc.signum() < 0) {
                throw new RpcException(RpcException.RPC_TYPE_ERROR, "Amount out of range");
            }
            return btc.movePointRight(8).longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw new RpcException(RpcException.RPC_TYPE_ERROR, "Invalid amount");
        }
    }

    static Transaction decodeTx(String hex) throws RpcException {
        try {
            if (hex.length() % 2 != 0 || !Hex.isHex(hex, hex.length() / 2)) {
                throw new IllegalArgumentException("not hex");
            }
            byte[] raw = Hex.decode(hex);
            ByteBuffer buf = ByteBuffer.wrap(raw);
            Transaction tx = Transaction.read(buf);
            if (buf.hasRemaining() || tx.getInputs().isEmpty()) {
                throw new IllegalArgumentException("trailing data or no inputs");
            }
            return tx;
        } catch (RuntimeException e) {
            throw new RpcException(RpcException.RPC_DESERIALIZATION_ERROR, "TX decode failed. Make sure the tx has at least one input.");
        }
    }

    // ---- mining --------------------------------------------------------------------------------

    private static RawBlock decodeBlock(String hex) throws RpcException {
        try {
            if (hex.length() % 2 != 0 || !Hex.isHex(hex, hex.length() / 2)) {
                throw new IllegalArgumentException("not hex");
            }
            return RawBlock.parse(Hex.decode(hex));
        } catch (RuntimeException e) {
            throw new RpcException(RpcException.RPC_DESERIALIZATION_ERROR, "Block decode failed");
        }
    }

    private JsonNode submitBlock(Args a) throws RpcException {
        RawBlock block = decodeBlock(a.str(0, "hexdata"));
        if (block.transactions().isEmpty() || !block.transactions().get(0).isCoinBase()) {
            throw new RpcException(RpcException.RPC_DESERIALIZATION_ERROR, "Block does not start with a coinbase");
        }
        String result = chain.submitBlock(block);
        return result == null ? NullNode.instance : CoreJson.F.textNode(result);
    }

    private JsonNode getBlockTemplate(Args a) throws RpcException, InterruptedException {
        JsonNode req = a.has(0) ? a.get(0) : CoreJson.F.objectNode();
        if (!req.isObject()) {
            throw Args.typeError(req, "object");
        }
        String mode = "template";
        JsonNode modeNode = req.get("mode");
        if (modeNode != null && !modeNode.isNull()) {
            if (!modeNode.isTextual()) {
                throw new RpcException(RpcException.RPC_INVALID_PARAMETER, "Invalid mode");
            }
            mode = modeNode.asText();
        }
        if (mode.equals("proposal")) {
            JsonNode data = req.get("data");
            if (data == null || !data.isTextual()) {
                throw new RpcException(RpcException.RPC_TYPE_ERROR, "Missing data String key for proposal");
            }
            RawBlock block = decodeBlock(data.asText());
            String result = chain.propose(block);
            return result == null ? NullNode.instance : CoreJson.F.textNode(result);
        }
        if (!mode.equals("template")) {
            throw new RpcException(RpcException.RPC_INVALID_PARAMETER, "Invalid mode");
        }
        boolean segwit = false;
        JsonNode rules = req.get("rules");
        if (rules != null && rules.isArray()) {
            for (JsonNode r : rules) {
                if ("segwit".equals(r.asText())) {
                    segwit = true;
                }
            }
        }
        if (!segwit) {
            throw new RpcException(RpcException.RPC_INVALID_PARAMETER,
                    "getblocktemplate must be called with the segwit rule set (call with {\"rules\": [\"segwit\"]})");
        }
        JsonNode lp = req.get("longpollid");
        if (lp != null && lp.isTextual()) {
            chain.awaitChange(lp.asText(), LONGPOLL_MAX_MILLIS);
        }
        return templateJson(chain.template());
    }

    static ObjectNode templateJson(BlockTemplate t) {
        ObjectNode o = CoreJson.F.objectNode();
        o.putArray("capabilities").add("proposal");
        o.put("version", t.version());
        ArrayNode rules = o.putArray("rules");
        rules.add("csv");
        rules.add("!segwit");
        rules.add("taproot");
        o.putObject("vbavailable");
        o.put("vbrequired", 0);
        o.put("previousblockhash", t.previousBlockHash().toString());
        ArrayNode txs = o.putArray("transactions");
        for (BlockTemplate.Entry e : t.transactions()) {
            ObjectNode x = txs.addObject();
            x.put("data", Hex.encode(e.tx().serialize()));
            x.put("txid", e.tx().getTxId().toString());
            x.put("hash", e.tx().getWTxId().toString());
            ArrayNode dep = x.putArray("depends");
            e.depends().forEach(dep::add);
            x.put("fee", e.fee());
            x.put("sigops", e.sigopCost());
            x.put("weight", e.weight());
        }
        o.putObject("coinbaseaux");
        o.put("coinbasevalue", t.coinbaseValue());
        o.put("longpollid", t.longPollId());
        o.put("target", CoreJson.target(t.bits()));
        o.put("mintime", t.minTime());
        ArrayNode mutable = o.putArray("mutable");
        mutable.add("time");
        mutable.add("transactions");
        mutable.add("prevblock");
        o.put("noncerange", "00000000ffffffff");
        o.put("sigoplimit", RegtestConsensus.MAX_BLOCK_SIGOPS_COST);
        o.put("sizelimit", RegtestConsensus.MAX_BLOCK_SERIALIZED_SIZE);
        o.put("weightlimit", RegtestConsensus.MAX_BLOCK_WEIGHT);
        o.put("curtime", t.curTime());
        o.put("bits", CoreJson.hex32(t.bits()));
        o.put("height", t.height());
        o.put("default_witness_commitment", Hex.encode(t.witnessCommitmentScript()));
        return o;
    }

    /** Parses a regtest address (bcrt1..., m/n/2...) or returns empty. */
    public static Optional<Address> parseAddress(String s) {
        try {
            return Optional.of(AddressParser.getDefault(BitcoinNetwork.REGTEST).parseAddress(s));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private JsonNode generateToAddress(Args a) throws RpcException {
        long n = a.num(0, "nblocks");
        String addr = a.str(1, "address");
        a.num(2, 1_000_000);
        Address address = parseAddress(addr)
                .orElseThrow(() -> new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address"));
        ArrayNode out = CoreJson.F.arrayNode();
        try {
            for (Sha256Hash h : chain.generate((int) Math.max(0, n), ScriptBuilder.createOutputScript(address).program())) {
                out.add(h.toString());
            }
        } catch (IllegalStateException e) {
            throw new RpcException(RpcException.RPC_INTERNAL_ERROR, e.getMessage());
        }
        return out;
    }

    /** generateblock "output" ["rawtx/txid",...] ( submit ): output must be an address (descriptors are not supported). */
    private JsonNode generateBlock(Args a) throws RpcException {
        String output = a.str(0, "output");
        Address address = parseAddress(output).orElseThrow(
                () -> new RpcException(RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Error: Invalid address or descriptor"));
        JsonNode list = a.get(1);
        if (list == null || !list.isArray()) {
            throw list == null ? new RpcException(RpcException.RPC_TYPE_ERROR, "Missing required argument transactions")
                    : Args.typeError(list, "array");
        }
        boolean submit = a.bool(2, true);
        List<Transaction> txs = new ArrayList<>();
        for (JsonNode item : list) {
            String s = item.asText();
            if (s.length() == 64 && Hex.isHex(s, 32)) {
                Sha256Hash txid = Sha256Hash.wrap(s);
                txs.add(chain.mempoolEntry(txid).map(MempoolEntry::tx).orElseThrow(() -> new RpcException(
                        RpcException.RPC_INVALID_ADDRESS_OR_KEY, "Transaction " + s + " not in mempool.")));
            } else {
                try {
                    txs.add(decodeTx(s));
                } catch (RpcException e) {
                    throw new RpcException(RpcException.RPC_DESERIALIZATION_ERROR, "Transaction decode failed for " + s);
                }
            }
        }
        RawBlock block;
        try {
            block = chain.generateBlock(ScriptBuilder.createOutputScript(address).program(), txs, submit);
        } catch (IllegalArgumentException e) {
            throw new RpcException(RpcException.RPC_VERIFY_ERROR, e.getMessage());
        } catch (IllegalStateException e) {
            throw new RpcException(RpcException.RPC_INTERNAL_ERROR, e.getMessage());
        }
        ObjectNode o = CoreJson.F.objectNode();
        o.put("hash", block.hash().toString());
        if (!submit) {
            o.put("hex", Hex.encode(block.serialize()));
        }
        return o;
    }

    private JsonNode validateAddress(Args a) throws RpcException {
        String s = a.str(0, "address");
        ObjectNode o = CoreJson.F.objectNode();
        Optional<Address> parsed = parseAddress(s);
        if (parsed.isEmpty()) {
            o.put("isvalid", false);
            o.putArray("error_locations");
            o.put("error", "Invalid or unsupported Segwit (Bech32) or Base58 encoding.");
            return o;
        }
        Address addr = parsed.get();
        o.put("isvalid", true);
        o.put("address", addr.toString());
        o.put("scriptPubKey", Hex.encode(ScriptBuilder.createOutputScript(addr).program()));
        boolean witness = addr instanceof SegwitAddress;
        o.put("isscript", addr.getOutputScriptType() == org.bitcoinj.base.ScriptType.P2SH
                || addr.getOutputScriptType() == org.bitcoinj.base.ScriptType.P2WSH);
        o.put("iswitness", witness);
        if (witness) {
            SegwitAddress sw = (SegwitAddress) addr;
            o.put("witness_version", sw.getWitnessVersion());
            o.put("witness_program", Hex.encode(sw.getWitnessProgram()));
        }
        return o;
    }

    private JsonNode help(Args a) throws RpcException {
        if (a.has(0)) {
            String m = a.str(0, "command");
            Spec spec = methods.get(m);
            return CoreJson.F.textNode(spec == null ? "help: unknown command: " + m : usage(m, spec));
        }
        StringBuilder sb = new StringBuilder("== Templar embedded regtest node ==\n");
        for (Map.Entry<String, Spec> e : methods.entrySet()) {
            sb.append(usage(e.getKey(), e.getValue())).append('\n');
        }
        return CoreJson.F.textNode(sb.toString().trim());
    }
}
