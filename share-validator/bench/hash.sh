#!/usr/bin/env bash
# Hashing-core benchmarks (issue 3): builds the JMH jar, measures the machine's SHA-256 compression
# rate with openssl (the "ceiling"), runs the benchmarks and prints one line per figure:
#   <name> <value> <unit> ratio=<r>
# Takes about two minutes; on shared cores the figures are noisy (see docs/BENCHMARKS.md).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"   # share-validator
cd "$here"
echo "building the benchmark jar..." >&2
if ! ../mvnw -q -o -Pbench -DskipTests package >&2; then
  ../mvnw -q -Pbench -DskipTests package >&2   # first run: fetch JMH and the plugins
fi
jar="$here/target/bench/share-validator-bench.jar"

ceiling_bytes=""
if command -v openssl >/dev/null 2>&1; then
  echo "openssl speed -evp sha256 -bytes 16384 -seconds 3 ..." >&2
  # the last line is "sha256   <N>k": thousands of bytes per second
  k=$(openssl speed -evp sha256 -bytes 16384 -seconds 3 2>/dev/null | awk '$1 ~ /^sha256$/ {v=$NF} END {print v}')
  if [[ "$k" =~ ^([0-9.]+)k$ ]]; then
    ceiling_bytes=$(awk -v x="${BASH_REMATCH[1]}" 'BEGIN {printf "%.0f", x * 1000}')
  fi
fi
if [[ -z "$ceiling_bytes" ]]; then
  echo "openssl not usable: the ceiling is the JDK's bulk SHA-256 rate instead" >&2
fi
exec java --add-opens=java.base/sun.security.provider=ALL-UNNAMED -jar "$jar" $ceiling_bytes
