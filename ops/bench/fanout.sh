#!/usr/bin/env bash
# New-block fan-out benchmark: N Stratum V1 connections to a real pool on the embedded regtest node,
# R blocks made on the node; prints per-connection and all-connections notify latency (p50/p99/max).
#   ./templar bench fanout [--connections 2000] [--rounds 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
if [ ! -f ops/target/templar.jar ] || [ -n "$(find . \( -path '*/target' -o -path ./.git \) -prune -o \( -path '*/src/main/*' -o -name pom.xml \) -newer ops/target/templar.jar -print -quit)" ]; then
  echo "building..." >&2
  ./mvnw -q -DskipTests package >&2
fi
ulimit -n 20000 2>/dev/null || true
exec java -Xmx2g -Dlogback.configurationFile=pool-server/bench/logback-bench.xml --add-opens java.base/sun.security.provider=ALL-UNNAMED \
  -cp "ops/target/templar.jar:ops/target/lib/*" org.templar.ops.bench.FanoutBench "$@"
