#!/usr/bin/env bash
# Stratum V1 at scale (issue 12). Two uses:
#   ./templar bench stratum connect|notify|submit --url stratum+tcp://127.0.0.1:PORT [options]
#       the load generator alone, against any SV1 pool already running (Templar, ckpool, ...);
#       `--server-pid PID` adds the pool's RSS and CPU from /proc. Options: templar bench stratum --help.
#   ./templar bench stratum [--connections N] [--submit-connections M] [--rate R] [--heap SIZE|default]
#       the whole run: starts `templar run` in its own process (embedded regtest node, H2 with durable
#       shares, fixed very low share difficulty so every submitted share is a real valid one), runs
#       connect (twice: cold, then warm), notify and submit against it, and stops it.
#   ./templar bench stratum --cap N [--seconds S]
#       the same pool with its connection cap at N (limits.max_connections): holds N connections, then a
#       reconnect storm of new ones for S seconds (default 20): refusals, the pool's CPU and log growth. Pool and load generator each hold one
#       descriptor per connection, so they are separate processes (20,000 each here).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$here"
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
jar=ops/target/templar.jar
if [ ! -f "$jar" ] || [ -n "$(find ops/src/main pool-server/src/main share-validator/src/main payout/src/main client-roles/src/main regtest-node/src/main -newer "$jar" -name '*.java' -print -quit)" ]; then
  echo "building the templar jar..." >&2
  ./mvnw -q -o -pl ops -am -DskipTests -Djazzer.skip package >&2 || ./mvnw -q -pl ops -am -DskipTests -Djazzer.skip package >&2
fi
bench_java="java -Xmx1g -XX:+UseSerialGC ${BENCH_JAVA_OPTS:-}"
case "${1:-}" in
  connect|notify|submit|--help|-h)
    [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] && set -- connect   # prints the usage
    exec $bench_java -jar "$jar" bench stratum "$@" ;;
esac

connections=10000
submit_connections=1000
rate=10000
cap=""
storm_seconds=20
heap="${POOL_HEAP:-512m}"   # fixed (-Xms = -Xmx): see docs/BENCHMARKS.md, "Stratum V1 at scale"
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections="$2"; shift 2 ;;
    --submit-connections) submit_connections="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --heap) heap="$2"; [ "$heap" = default ] && heap=""; shift 2 ;;
    --cap) cap="$2"; shift 2 ;;
    --seconds) storm_seconds="$2"; shift 2 ;;   # default: the JVM's own sizing
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
sv1=$(free_port); rpc=$(free_port)
data=$(mktemp -d /tmp/templar-stratum-bench.XXXXXX)
log="$data/pool.log"
# below regtest's network difficulty (~4.7e-10) and fixed: every hash is a share; vardiff still runs per connection
pool_jar="${POOL_JAR:-$jar}"   # POOL_JAR: another build of the pool (before/after comparisons)
# Every bench connection comes from 127.0.0.1: the per-address cap (1000 by default) and the automatic
# bans are for the internet, not for a load generator on loopback.
java ${heap:+-Xms$heap -Xmx$heap} ${POOL_JAVA_OPTS:-} \
  -jar "$pool_jar" run --set data_dir="$data" --set sv1.listen="127.0.0.1:$sv1" --set sv2.listen=off \
  --set jds.listen=off --set metrics.listen=off --set admin.listen=127.0.0.1:0 \
  --set embedded_node.rpc_port="$rpc" --set embedded_node.zmq_port=0 \
  --set vardiff.minimum=1e-12 --set vardiff.initial=1e-12 --set vardiff.maximum=1e-12 \
  --set limits.max_connections_per_ip=100000 --set bans.enabled=false ${cap:+--set limits.max_connections=$cap} >"$log" 2>&1 &
pool=$!
trap 'kill $pool 2>/dev/null || true; wait $pool 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 600); do
  grep -q "Stratum V1 listening" "$log" && break
  kill -0 $pool 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.1
done
grep -q "Stratum V1 listening" "$log" || { echo "the pool did not start in 60 s" >&2; cat "$log" >&2; exit 1; }
echo "# machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# pool: pid $pool, SV1 127.0.0.1:$sv1, node RPC 127.0.0.1:$rpc, java ${heap:+-Xms$heap -Xmx$heap} ${POOL_JAVA_OPTS:-}"
url="stratum+tcp://127.0.0.1:$sv1"
node="http://templar:templar@127.0.0.1:$rpc"
run() { $bench_java -jar "$jar" bench stratum "$@" --url "$url" --server-pid "$pool"; }
if [ -n "$cap" ]; then
  echo "# reconnect storm at the cap: $cap held, new connections for $storm_seconds s"
  run storm --connections "$cap" --seconds "$storm_seconds" --server-log "$log"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi
echo "# connect, first time (cold: the pool's JIT and heap still growing)"
run connect --connections "$connections"
echo "# connect again (warm: what one more connection costs a running pool); heap histogram while held"
hold_out="$data/hold.out"
run connect --connections "$connections" --hold 15 >"$hold_out" &
held=$!
for _ in $(seq 1 1200); do grep -q stratum_holding "$hold_out" 2>/dev/null && break; kill -0 $held 2>/dev/null || break; sleep 0.1; done
if grep -q stratum_holding "$hold_out" && command -v jcmd >/dev/null; then
  jcmd "$pool" GC.class_histogram >"$data/histogram.txt" 2>&1 || true
fi
wait $held || true
cat "$hold_out"
if [ -s "$data/histogram.txt" ]; then
  echo "# pool heap after a full GC with $connections connections held, largest classes (jcmd GC.class_histogram):"
  head -n 33 "$data/histogram.txt" | tail -n +2
  grep '^Total' "$data/histogram.txt"
  cp "$data/histogram.txt" "${HISTOGRAM_OUT:-/tmp/templar-stratum-histogram.txt}"
fi
run notify --connections "$connections" --node-rpc "$node" --rounds 10
run submit --connections "$submit_connections" --rate "$rate" --seconds 20
run submit --connections 100 --seconds 20
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
