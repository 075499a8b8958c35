#!/usr/bin/env bash
# The benchmark: logcollector-exporter against prometheus-blackbox-exporter on loopback, measured in one run.
# Needs: prometheus-blackbox-exporter, tshark (root, to capture on lo), and gnuplot-nox for the plot.
# Usage: tests/bench/run.sh [--quick]     (full: about 10 minutes; --quick: under 3)
set -euo pipefail
cd "$(dirname "$0")/../.."
out=artifacts/bench
mkdir -p "$out"

# The exporter as it ships: the NativeAOT binary the Dockerfile builds.
dotnet publish src/Exporter -c Release -r linux-x64 -o "$out/exporter" -v quiet -nologo
dotnet build tests/bench/Bench -c Release -o "$out/bench" -v quiet -nologo

"$out/bench/logcollector-bench" --exporter "$out/exporter/logcollector-exporter" --out "$out" "$@"

if command -v gnuplot > /dev/null; then
  gnuplot -e "results='$out/results.tsv'; output='$out/benchmarks.png'" tests/bench/plot.gp
  echo "plot: $out/benchmarks.png"
fi
