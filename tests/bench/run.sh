#!/usr/bin/env bash
# The benchmark: logcollector-exporter against prometheus-blackbox-exporter on loopback, measured in one run.
# Needs: prometheus-blackbox-exporter, tshark (root, to capture on lo), and gnuplot-nox for the plot.
# Usage: tests/bench/run.sh [--quick]     (full: about 23 minutes; --quick: about 5)
#        tests/bench/run.sh --panorama     (the Panorama-scale scenario alone, peak RSS at 1,000 collectors, and importing a saved
#                                          Panorama configuration of 1,000 and 5,000 firewalls: 3 minutes)
#        tests/bench/run.sh --passwords    (the floods of wrong passwords against TLS and basic authentication, and a new scraper
#                                          from another address during one, alone: 3 minutes)
#        tests/bench/run.sh --firewalls    (the firewalls' own report alone: 5,000 firewalls in snmpsim polled by snmp_exporter,
#                                          the exporter importing their Panorama configuration, Prometheus with both rule
#                                          files: 8 minutes; with --quick, 200 firewalls: under a minute after the builds)
# The full and quick runs include the firewalls' own report (--quick: its 200-firewall version); it needs snmpsimd,
# prometheus-snmp-exporter and prometheus (tests/tools/programs).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/bench
mkdir -p "$out"

# The exporter as it ships: the NativeAOT binary the Dockerfile builds.
dotnet publish src/Exporter -c Release -r linux-x64 -o "$out/exporter" -v quiet -nologo
dotnet build tests/bench/Bench -c Release -o "$out/bench" -v quiet -nologo

# The floor: the same system calls from a minimal C loop, to tell the exporter's own cost from the machine's.
floor=()
if command -v gcc > /dev/null; then
  gcc -O2 -Wall -Werror -o "$out/floor" tests/bench/floor.c
  floor=(--floor "$out/floor")
fi

"$out/bench/logcollector-bench" --exporter "$out/exporter/logcollector-exporter" --out "$out" "${floor[@]}" "$@"
[[ " $* " == *" --passwords "* || " $* " == *" --firewalls "* ]] && exit 0

# The floor under the exporter's memory and scrape time: prometheus-net alone with the exporter's series, at 10 to
# 10,000 collectors and at the Panorama scale (5,000 groups, each listing 3 of 50 collectors).
dotnet build tests/bench/SeriesCost -c Release -o "$out/series-cost" -v quiet -nologo
sizes=(10 1000 10000 5000x3of50)
results="$out/results.md"
[[ " $* " == *" --quick "* ]] && sizes=(10 1000 5000x3of50)
[[ " $* " == *" --panorama "* ]] && sizes=(5000x3of50) && results="$out/panorama.md"
echo >> "$results"
"$out/series-cost/logcollector-series-cost" "${sizes[@]}" | tee -a "$results"

if command -v gnuplot > /dev/null && [[ " $* " != *" --panorama "* ]]; then
  gnuplot -e "results='$out/results.tsv'; output='$out/benchmarks.png'" tests/bench/plot.gp
  echo "plot: $out/benchmarks.png"
fi
