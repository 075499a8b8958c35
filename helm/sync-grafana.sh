#!/usr/bin/env bash
# Copies the alert rules, the dashboards and the snmp_exporter module from grafana/, their one source, into the chart
# that ships them (a chart cannot read files outside its own folder). Run it after changing anything in grafana/: the
# chart tests fail while the chart's copy differs.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
rules=("$root"/grafana/alerts/*.yml)
snmp="$root/grafana/snmp/snmp.yml"
dashboards=("$root"/grafana/dashboards/*.json)
files="$root/helm/logcollector-exporter/files"

if [[ ! -f "${rules[0]}" ]]; then
    echo "sync-grafana.sh: no rules files in $root/grafana/alerts/" >&2
    exit 1
fi
if [[ ! -f "$snmp" ]]; then
    echo "sync-grafana.sh: $snmp does not exist" >&2
    exit 1
fi
if [[ ! -f "${dashboards[0]}" ]]; then
    echo "sync-grafana.sh: no dashboards in $root/grafana/dashboards/" >&2
    exit 1
fi

rm -rf "$files/alerts" "$files/dashboards" "$files/snmp"
mkdir -p "$files/alerts" "$files/dashboards" "$files/snmp"
cp "${rules[@]}" "$files/alerts/"
cp "${dashboards[@]}" "$files/dashboards/"
cp "$snmp" "$files/snmp/"
echo "synced into ${files#"$root/"}: ${#rules[@]} rules files, ${#dashboards[@]} dashboards and snmp/snmp.yml"
