/**
 * The embedded regtest node: an in-process Bitcoin regtest chain that speaks the subset of Bitcoin
 * Core's JSON-RPC (HTTP, basic auth) and ZMQ {@code hashblock} a pool uses, and rejects what Core
 * rejects for everything a pool can get wrong. Every test in the project proves its blocks valid
 * against it, so when in doubt it fails where Core fails.
 *
 * <h2>Entry points</h2>
 * <ul>
 *   <li>{@link org.templar.regtest.RegtestNode#start(RegtestNode.Config)}: RPC + ZMQ + optional data
 *       directory; {@code rpcUri()}, {@code zmqEndpoint()}, {@code chain()}, {@code generateToAddress},
 *       {@code close()}.</li>
 *   <li>{@link org.templar.regtest.RegtestChain}: the state (index, active chain, UTXO set, mempool)
 *       for direct queries in tests.</li>
 *   <li>{@link org.templar.regtest.RegtestWallet}: a one-key P2WPKH faucet that signs spends of its
 *       mature coinbase outputs for {@code sendrawtransaction}.</li>
 * </ul>
 *
 * <h2>Layers</h2>
 * Consensus values and checks ({@code RegtestConsensus}, {@code BlockRules}, {@code ScriptChecks}),
 * state ({@code RegtestChain}), RPC methods ({@code RegtestRpc}, JSON in Core's shapes by
 * {@code CoreJson}), the JSON-RPC envelope ({@code JsonRpcEnvelope}, no Netty) and the transports
 * ({@code RpcHttpServer} on Netty, {@code HashBlockPublisher} on jeromq).
 *
 * <h2>Choices and known differences from Core</h2>
 * <ul>
 *   <li>Confirmed transactions are always indexed, as with {@code -txindex=1}: getrawtransaction finds
 *       them without a block hash.</li>
 *   <li>Reorganisation to a branch with more work is supported; on a tie the first-seen tip stays and
 *       submitblock answers "inconclusive". If a block of a longer branch fails to connect, the old
 *       chain is restored whole (Core may keep a valid prefix of that branch).</li>
 *   <li>Scripts: P2PKH, P2WPKH, P2PK and bare scripts are verified through bitcoinj; spends of P2WSH,
 *       P2TR and P2SH-wrapped witness outputs are refused (never accepted unverified). Script failures
 *       read "block-script-verify-flag-failed (...)" in blocks and "mempool-script-verify-flag-failed
 *       (...)" in the mempool (Core v30+ wording), with bitcoinj's rather than Core's detail.</li>
 *   <li>Mempool policy: Core's min relay fee, maxfeerate, finality, maturity and conflict rules, no
 *       replace-by-fee (a conflict is "txn-mempool-conflict"), standardness as regtest enforces it
 *       (version, weight, push-only scriptSig, standard output scripts, dust at 3 sat/vB; every dust
 *       output refused, no ephemeral dust), no package/ancestor limits. Not persisted across restarts.</li>
 *   <li>The data directory holds {@code blocks.dat}, an append-only log of stored blocks replayed
 *       through full validation at start.</li>
 *   <li>getnetworkinfo announces version 310000 (v31.0), whose RPC behaviour this node follows.</li>
 * </ul>
 */
package org.templar.regtest;
