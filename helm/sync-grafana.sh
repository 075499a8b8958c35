#!/usr/bin/env bash
# Copies the alert rules and the dashboards from grafana/, their one source, into the chart that ships them
# (a chart cannot read files outside its own folder). Run it after changing anything in grafana/: the chart tests
# fail while the chart's copy differs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rules="$root/grafana/alerts/logcollector-alerts.yml"
dashboards=("$root"/grafana/dashboards/*.json)
files="$root/helm/logcollector-exporter/files"

if [[ ! -f "$rules" ]]; then
    echo "sync-grafana.sh: $rules does not exist" >&2
    exit 1
fi
if [[ ! -f "${dashboards[0]}" ]]; then
    echo "sync-grafana.sh: no dashboards in $root/grafana/dashboards/" >&2
    exit 1
fi

rm -rf "$files/alerts" "$files/dashboards"
mkdir -p "$files/alerts" "$files/dashboards"
cp "$rules" "$files/alerts/"
cp "${dashboards[@]}" "$files/dashboards/"
echo "synced into ${files#"$root/"}: alerts/$(basename "$rules") and ${#dashboards[@]} dashboards"
