#!/usr/bin/env bash
# Share-path load benchmark: N SV1 connections keeping W valid shares in flight against a real pool
# (embedded node, H2 ledger with durable group commit); prints accepted shares/s and answer latency.
#   ./templar bench shares [--connections 50] [--window 16] [--seconds 20]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
if [ ! -f ops/target/templar.jar ] || [ -n "$(find . \( -path '*/target' -o -path ./.git \) -prune -o \( -path '*/src/main/*' -o -name pom.xml \) -newer ops/target/templar.jar -print -quit)" ]; then
  echo "building..." >&2
  ./mvnw -q -DskipTests package >&2
fi
exec java -Xmx2g -Dlogback.configurationFile=pool-server/bench/logback-bench.xml --add-opens java.base/sun.security.provider=ALL-UNNAMED \
  -cp "ops/target/templar.jar:ops/target/lib/*" org.templar.ops.bench.ShareLoadBench "$@"
