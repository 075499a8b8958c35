#!/usr/bin/env bash
# CPU per 1,000 probes of two or more exporter binaries, alternated on the same machine: a longer window than the quick
# run's 10 s (CPU is counted in 10 ms ticks), for telling a change of a few percent from the machine's noise.
# Usage: tests/bench/cpu-ab.sh ROUNDS WINDOW_SECONDS INTERVAL_SECONDS BINARY...
#        e.g. tests/bench/cpu-ab.sh 3 60 5 before/logcollector-exporter after/logcollector-exporter
# 1,000 collectors in one group, handshake mode, on 127.0.0.1 … 127.0.4.250 at one port, answered by a listener that
# accepts and closes (as the bench's TargetListener does). Each binary runs alone for two intervals before its window.
set -euo pipefail
rounds=$1 window=$2 interval=$3
shift 3
port=39781 metrics=39782
dir=$(mktemp -d)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(4096)
while True:
    c, _ = s.accept(); c.close()
' $port &
listener=$!
trap 'kill $listener 2>/dev/null; rm -rf "$dir"' EXIT

{
    printf 'probe:\n  interval: %ss\n  timeout: 500ms\n  mode: handshake\ngroups:\n  - name: bench\n    collectors:\n' "$interval"
    for i in $(seq 0 999); do echo "      - {address: 127.$((i / 250 / 250)).$((i / 250 % 250)).$((i % 250 + 1)), port: $port}"; done
} > "$dir/collectors.yaml"

ticks=$(getconf CLK_TCK)
probes() { curl -s "127.0.0.1:$metrics/metrics" | awk '/^logcollector_probes_total/ {s += $NF} END {printf "%d", s}'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
for round in $(seq 1 "$rounds"); do
    for binary in "$@"; do
        "$binary" --config "$dir/collectors.yaml" --urls "http://127.0.0.1:$metrics" --Logging:LogLevel:Default=Warning > /dev/null 2>&1 &
        pid=$!
        sleep $((interval * 2 + 3))
        p0=$(probes) c0=$(cpu_ticks $pid)
        sleep "$window"
        c1=$(cpu_ticks $pid) p1=$(probes)
        kill $pid
        wait $pid 2>/dev/null || true
        ms=$(((c1 - c0) * 1000 / ticks))
        echo "round $round $binary: $((p1 - p0)) probes, $ms ms of CPU, $(awk -v c=$ms -v p=$((p1 - p0)) 'BEGIN {printf "%.1f", c * 1000 / p}') ms per 1,000 probes"
    done
done
