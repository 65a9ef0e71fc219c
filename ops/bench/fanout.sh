#!/usr/bin/env bash
# New-block fan-out benchmark: N Stratum V1 connections to a real pool on the embedded regtest node,
# R blocks made on the node; prints per-connection and all-connections notify latency (p50/p99/max).
#   ./templar bench fanout [--connections 2000] [--rounds 10]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
cp_file=ops/target/bench/bench-classpath.txt
echo "building ops with its bench sources (src/bench/java) and its classpath..." >&2
build() {
  # -Dbench: the bench profiles (bench sources compiled with the tests they share, into target/bench)
  ./mvnw -q "$@" -Dbench -pl ops -am -DskipTests test-compile dependency:build-classpath \
    -Dmdep.outputFile="$here/$cp_file" -Dmdep.includeScope=test >&2
}
build -o || build   # first run on a fresh machine: let Maven fetch what it lacks
exec java -Xmx2g -Dlogback.configurationFile=pool-server/bench/logback-bench.xml --add-opens java.base/sun.security.provider=ALL-UNNAMED \
  -cp "ops/target/bench/test-classes:ops/target/bench/classes:$(cat "$cp_file")" org.templar.ops.bench.FanoutBench "$@"
