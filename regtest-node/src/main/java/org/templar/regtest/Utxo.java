package org.templar.regtest;

/** An unspent output as the chain state stores it (Core's Coin): value, script, creation height, coinbase flag. */
public record Utxo(long value, byte[] script, int height, boolean coinbase) {}
