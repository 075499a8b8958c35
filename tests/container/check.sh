#!/usr/bin/env bash
# The container image, checked as far as it can be without a container engine.
#
# 1. Build: runs the build stage of the Dockerfile as written (its ARG, WORKDIR, COPY and RUN steps, read from the
#    Dockerfile itself) in a copy of the build context, and fails on any warning of the NativeAOT publish.
# 2. Image: lays out the final stage's files (COPY --from), with its ENV, USER, EXPOSE, ENTRYPOINT and CMD on top of
#    what mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled provides: the user app (1654), its environment,
#    and only the shared libraries of its chisel slices (libc6, libgcc-s1, libstdc++6, libssl3).
# 3. Run: starts the entrypoint under bubblewrap as uid 1654, on a read-only root filesystem with no /tmp and a
#    read-only home, with a collectors.yaml mounted at /etc/logcollector-exporter, in a network namespace of its own
#    whose only collectors are loopback listeners started here. Checks /-/healthy, /-/ready and /metrics on the
#    exposed port, that nothing was logged at warning level or above, and that SIGTERM exits 0; prints the binary
#    size and the resident memory once ready. Then again with --web.config.file (TLS with a certificate made here by
#    openssl, and basic authentication): the health checks answer without credentials, /metrics only with them.
#    Last, the binary itself given SIGHUP as soon as it takes it, 20 and 50 ms later, and 5 ms after SIGTERM: it must go
#    on, then exit 0.
#
# Usage (as root, for the network namespace): tests/container/check.sh
# Needs: the .NET SDK and the NativeAOT toolchain (clang or gcc, zlib1g-dev), git, jq, curl, node, bubblewrap,
# util-linux (unshare, setpriv), iproute2, openssl.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
dockerfile="$root/Dockerfile"
runtime_base=mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled
# What runtime-deps:10.0-noble-chiseled sets (its Dockerfile in dotnet/dotnet-docker), and the libraries it has.
base_env=(APP_UID=1654 ASPNETCORE_HTTP_PORTS=8080 DOTNET_RUNNING_IN_CONTAINER=true DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=true)
base_packages=(libc6 libgcc-s1 libstdc++6 libssl3)

say() { printf '%s: %s\n' "check.sh" "$*"; }
fail() { printf '%s: FAILED: %s\n' "check.sh" "$*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# The Dockerfile as a list of instructions: comments dropped, continuation lines joined.
read_dockerfile() {
    local line joined=""
    instructions=()
    while IFS= read -r line || [[ -n "$line" ]]; do
        if [[ -z "$joined" && ( "$line" =~ ^[[:space:]]*# || "$line" =~ ^[[:space:]]*$ ) ]]; then
            continue
        fi
        if [[ "$line" == *\\ ]]; then
            joined+="${line%\\} "
            continue
        fi
        instructions+=("$joined$line")
        joined=""
    done <"$dockerfile"
}

# $NAME and ${NAME} from the stage's variables, as Docker expands them in instructions other than RUN.
expand() {
    local text="$1" name
    while [[ "$text" =~ \$\{?([A-Za-z_][A-Za-z0-9_]*)\}? ]]; do
        name="${BASH_REMATCH[1]}"
        text="${text/"${BASH_REMATCH[0]}"/"${vars[$name]-}"}"
    done
    printf '%s' "$text"
}

# COPY SRC... DEST, from the build context or (--from=STAGE) from an earlier stage's files.
copy() {
    local from_root="$context" args=("$@") dest src
    if [[ "${args[0]}" == --from=* ]]; then
        from_root="${stage_roots[${args[0]#--from=}]:?COPY --from names an unknown stage}"
        args=("${args[@]:1}")
    fi
    [[ "${args[0]}" != --* ]] || fail "COPY option ${args[0]} is not understood by this script"
    dest="$(expand "${args[-1]}")"
    [[ "$dest" == /* ]] || dest="$workdir/$dest"
    for src in "${args[@]:0:${#args[@]}-1}"; do
        src="$from_root/$(expand "$src")"
        if [[ -d "$src" ]]; then
            mkdir -p "$stage_root$dest"
            cp -a "$src/." "$stage_root$dest/"
        elif [[ "${args[-1]}" == */ ]]; then
            mkdir -p "$stage_root$dest"
            cp -a "$src" "$stage_root$dest/"
        else
            mkdir -p "$(dirname "$stage_root$dest")"
            cp -a "$src" "$stage_root$dest"
        fi
    done
}

# Runs the Dockerfile: the build stages for real, the final stage as a description (files, env, user, command).
run_dockerfile() {
    local instruction keyword rest stage=0 name value
    declare -gA stage_roots=() vars=()
    final_env=() entrypoint=() cmd=() user="" exposed="" base=""
    for instruction in "${instructions[@]}"; do
        keyword="${instruction%% *}"
        rest="${instruction#* }"
        case "${keyword^^}" in
        FROM)
            stage=$((stage + 1))
            stage_root="$work/stage-$stage"
            mkdir -p "$stage_root"
            read -r base _ name <<<"$rest"
            stage_roots[$stage]="$stage_root"
            [[ -z "${name:-}" ]] || stage_roots[$name]="$stage_root"
            workdir=/
            vars=()
            final_env=() entrypoint=() cmd=() user="" exposed=""
            if [[ "$base" == "$runtime_base" ]]; then
                for value in "${base_env[@]}"; do vars[${value%%=*}]="${value#*=}"; done
                final_env=("${base_env[@]}")
                user=1654
            fi
            ;;
        ARG)
            name="${rest%%=*}"
            if [[ -n "${build_args[$name]+set}" ]]; then
                vars[$name]="${build_args[$name]}"
            elif [[ "$rest" == *=* ]]; then
                vars[$name]="${rest#*=}"
            else
                vars[$name]=""
            fi
            ;;
        ENV)
            [[ "$rest" == *=* && "$rest" != *" "* ]] || fail "ENV must be one NAME=value: $instruction"
            vars[${rest%%=*}]="$(expand "${rest#*=}")"
            final_env+=("${rest%%=*}=${vars[${rest%%=*}]}")
            ;;
        WORKDIR)
            workdir="$(expand "$rest")"
            mkdir -p "$stage_root$workdir"
            ;;
        COPY)
            read -r -a parts <<<"$rest"
            copy "${parts[@]}"
            ;;
        RUN)
            [[ "$base" != "$runtime_base" ]] || fail "RUN in the final stage: the chiseled image has no shell"
            [[ ! "$rest" =~ (^|[[:space:]=])/ ]] || fail "RUN with an absolute path, which this script cannot map: $rest"
            say "RUN $rest"
            (
                cd "$stage_root$workdir"
                for name in "${!vars[@]}"; do export "$name=${vars[$name]}"; done
                sh -c "$rest"
            ) 2>&1 | tee -a "$work/build.log"
            ;;
        USER) user="$(expand "$rest")" ;;
        EXPOSE) exposed="${rest%%/*}" ;;
        ENTRYPOINT) mapfile -t entrypoint < <(jq -r '.[]' <<<"$rest") ;;
        CMD) mapfile -t cmd < <(jq -r '.[]' <<<"$rest") ;;
        LABEL) ;;
        *) fail "Dockerfile instruction $keyword is not understood by this script" ;;
        esac
    done
    [[ "$base" == "$runtime_base" ]] || fail "the final stage is FROM $base; this script knows $runtime_base"
    final_root="$stage_root"
}

# bwrap arguments that lay out the base image's shared libraries, from the Debian packages of the same names.
base_libraries() {
    local path dir real
    libraries=(--symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin --symlink usr/sbin /sbin)
    while IFS= read -r path; do
        [[ "$path" == */lib/* || "$path" == */lib64/* ]] || continue
        [[ -f "$path" || -L "$path" ]] || continue
        dir="$(realpath "$(dirname "$path")")"
        real="$dir/$(basename "$path")"
        if [[ -L "$path" ]]; then
            libraries+=(--symlink "$(readlink "$path")" "$real")
        else
            libraries+=(--ro-bind "$real" "$real")
        fi
    done < <(dpkg -L "${base_packages[@]}" | sort -u)
}

# ---------------------------------------------------------------------------------------------------------------
# Inside a network namespace of its own (run as root by unshare): the container and its loopback collectors.
run_container() {
    local exporter_pid="" code
    # Global, so that the EXIT trap still sees it after a failure (fail exits from inside this function).
    pids=()
    stop_all() {
        local pid
        for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
        wait 2>/dev/null || true
    }
    trap stop_all EXIT

    ip link set lo up

    # One collector that answers, and one port where none listens (refused).
    timeout 600 node -e 'require("net").createServer(s => s.on("error", () => {})).listen(3978, "127.0.0.1", () => console.log("up"))' \
        >"$work/collector.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q up "$work/collector.log" && break; sleep 0.1; done
    grep -q up "$work/collector.log" || fail "the loopback collector did not start: $(cat "$work/collector.log")"

    local env_args=(--clearenv --setenv PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
        --setenv HOME /home/app --setenv HOSTNAME logcollector-exporter)
    local value
    for value in "${final_env[@]}"; do env_args+=(--setenv "${value%%=*}" "${value#*=}"); done

    # Starts the entrypoint as the image would, with these arguments after the image's CMD; waits for /-/ready.
    start_container() {
        say "running ${entrypoint[*]} ${cmd[*]} $* as uid $user, read-only root, in its own network namespace"
        setpriv --reuid="$user" --regid="$user" --clear-groups \
            bwrap --unshare-user --uid "$user" --gid "$user" --unshare-ipc --unshare-uts --hostname logcollector-exporter \
            --die-with-parent --cap-drop ALL --info-fd 3 \
            "${libraries[@]}" \
            --ro-bind "$work/etc/passwd" /etc/passwd --ro-bind "$work/etc/group" /etc/group \
            --ro-bind "$final_root/app" /app \
            --ro-bind "$work/config" /etc/logcollector-exporter \
            --dir /home/app --proc /proc --dev /dev \
            --remount-ro / \
            "${env_args[@]}" \
            --chdir / \
            "${entrypoint[@]}" "${cmd[@]}" "$@" \
            3>"$work/bwrap-info" >"$work/exporter.log" 2>&1 &
        pids+=($!)
        for _ in $(seq 300); do
            code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${curl_tls[@]}" "$base_url/-/ready" || true)"
            [[ "$code" == 200 ]] && break
            kill -0 "${pids[-1]}" 2>/dev/null || break
            sleep 0.2
        done
        [[ "$code" == 200 ]] || fail "/-/ready did not answer 200 (last: $code). Exporter log:
$(cat "$work/exporter.log")"
        exporter_pid="$(jq -r '."child-pid"' "$work/bwrap-info")"
    }

    # SIGTERM: exit 0; and nothing logged at warning level but the exporter's own (about the collectors).
    stop_container() {
        kill -TERM "$exporter_pid"
        for _ in $(seq 50); do kill -0 "$exporter_pid" 2>/dev/null || break; sleep 0.1; done
        ! kill -0 "$exporter_pid" 2>/dev/null || fail "still running 5 s after SIGTERM"
        wait "${pids[-1]}" && code=0 || code=$?
        unset 'pids[-1]'
        [[ "$code" == 0 ]] || fail "exit code $code after SIGTERM. Exporter log:
$(cat "$work/exporter.log")"

        # The exporter's own warnings report the collectors (one refuses here); any other (the host, Kestrel, the
        # runtime: a port override, a file it cannot write) means the image's conditions do not suit it.
        local unexpected
        # Lines start with a UTC timestamp, then the level.
        unexpected="$(grep -E '^(\S+ )?(warn|fail|crit): |Unhandled|xception' "$work/exporter.log" | grep -vE '^(\S+ )?warn: LogCollectorExporter\.' || true)"
        [[ -z "$unexpected" ]] || fail "the exporter logged $unexpected in the container's conditions. Its log:
$(cat "$work/exporter.log")"
    }

    local base_url="http://127.0.0.1:$exposed" curl_tls=()
    start_container
    say "ready on port $exposed (the port the Dockerfile exposes)"

    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$base_url/-/healthy")" == 200 ]] || fail "/-/healthy is not 200"

    local metrics revision
    metrics="$(curl -sf --max-time 5 "$base_url/metrics")" || fail "GET /metrics failed"
    revision="${build_args[SOURCE_REVISION]}"
    expect_metric() {
        grep -qE "^$1\$" <<<"$metrics" || fail "/metrics has no line matching '$1'. It has:
$(grep -E '^logcollector_(up|probes_total|exporter_build_info)' <<<"$metrics")"
    }
    expect_metric 'logcollector_up\{collector="answers"\} 1'
    expect_metric 'logcollector_up\{collector="refuses"\} 0'
    expect_metric 'logcollector_probes_total\{collector="refuses",result="refused"\} [1-9][0-9]*'
    expect_metric "logcollector_exporter_build_info\\{version=\"0\\.1\\.0\",revision=\"$revision\",runtime=\"[^\"]* NativeAOT\"\\} 1"
    say "/-/healthy 200, /metrics: one collector up, one refused, build_info 0.1.0 $revision NativeAOT"

    # A few scrapes, then the resident memory at rest.
    for _ in 1 2 3; do curl -sf --max-time 5 "$base_url/metrics" >/dev/null; done
    sleep 2
    rss_kib="$(awk '/^VmRSS:/ {print $2}' "/proc/$exporter_pid/status")"
    say "resident memory once ready: $((rss_kib / 1024)) MiB ($rss_kib KiB)"

    stop_container
    say "SIGTERM: exit 0; no warning but about the refusing collector"

    # The same image with TLS and basic authentication (README, "TLS and authentication").
    base_url="https://127.0.0.1:$exposed"
    curl_tls=(--cacert "$work/config/ca.crt")
    start_container --web.config.file /etc/logcollector-exporter/web.yml --urls "https://+:$exposed"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${curl_tls[@]}" "$base_url/-/healthy")" == 200 ]] || fail "/-/healthy is not 200 over TLS without credentials"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${curl_tls[@]}" "$base_url/metrics")" == 401 ]] || fail "/metrics without credentials is not 401"
    [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${curl_tls[@]}" -u prometheus:wrong "$base_url/metrics")" == 401 ]] || fail "/metrics with a wrong password is not 401"
    metrics="$(curl -sf --max-time 5 "${curl_tls[@]}" -u prometheus:s3cret "$base_url/metrics")" || fail "GET /metrics with the password failed"
    expect_metric 'logcollector_up\{collector="answers"\} 1'
    ! curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$exposed/-/healthy" || fail "plain HTTP is answered with TLS configured"
    say "with TLS and basic authentication: /-/ready and /-/healthy 200 without credentials, /metrics 401 without or with a wrong password, 200 with it; no plain HTTP"
    stop_container
    say "SIGTERM: exit 0"

    # SIGHUP during start and stop is a reload or nothing (README, "Reload"): from the moment the program takes it (the
    # first line of Program.cs, a few milliseconds after exec: before that the runtime is starting and SIGHUP has its
    # default action), at once and 20 and 50 ms later while the host starts, and 5 ms after SIGTERM. The binary is run as
    # it is, outside the sandbox: what matters is how soon it takes SIGHUP.
    local delay pid alive taken
    for delay in 0 0.020 0.050; do
        "$final_root${entrypoint[0]}" --config "$work/config/collectors.yaml" --urls http://127.0.0.1:19979 >"$work/sighup.log" 2>&1 &
        pid=$!
        taken=no
        for _ in $(seq 2000); do
            # SigCgt: the signals the process catches, in hexadecimal; SIGHUP (1) is its lowest bit.
            (( 0x$(awk '/^SigCgt:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0) & 1 )) && { taken=yes; break; }
            sleep 0.001
        done
        [[ "$taken" == yes ]] || fail "the exporter did not take SIGHUP within 2 s of exec: $(cat "$work/sighup.log")"
        sleep "$delay"
        kill -HUP "$pid"
        for _ in $(seq 50); do
            [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 http://127.0.0.1:19979/-/healthy || true)" == 200 ]] && break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && alive=yes || alive=no
        [[ "$alive" == yes ]] || { wait "$pid" && code=0 || code=$?; fail "SIGHUP $delay s after the exporter took it ended the exporter (exit $code): $(cat "$work/sighup.log")"; }
        kill -TERM "$pid"
        sleep 0.005
        kill -HUP "$pid" 2>/dev/null || true
        wait "$pid" && code=0 || code=$?
        [[ "$code" == 0 ]] || fail "SIGHUP 5 ms after SIGTERM: exit $code, not 0: $(cat "$work/sighup.log")"
    done
    say "SIGHUP as soon as the exporter takes it, and 20 and 50 ms later: still running, healthy; SIGHUP 5 ms after SIGTERM: exit 0"
    stop_all
}

# ---------------------------------------------------------------------------------------------------------------
[[ "$(id -u)" == 0 ]] || fail "run as root: the check makes a network namespace of its own"

work="$(mktemp -d /tmp/lce-container.XXXXXX)"
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
started=$SECONDS

declare -A build_args=(
    [TARGETARCH]="$(dpkg --print-architecture)"
    [SOURCE_REVISION]="$(git -C "$root" rev-parse HEAD)"
)

# The build context: the repository's files (tracked or new, not ignored), as `docker build .` would send them.
context="$work/context"
mkdir -p "$context"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' file; do
    [[ -e "$file" ]] && printf '%s\0' "$file"
done | xargs -0 cp --parents -a -t "$context")

read_dockerfile
run_dockerfile

if grep -qiE 'warning|IL[0-9]{4}' "$work/build.log"; then
    grep -iE 'warning|IL[0-9]{4}' "$work/build.log" >&2
    fail "the publish printed warnings (above)"
fi
binary="$final_root${entrypoint[0]}"
[[ -x "$binary" ]] || fail "the entrypoint ${entrypoint[0]} is not an executable file of the image"
say "built in $((SECONDS - started)) s with no warnings; ${entrypoint[0]} is $(stat -c %s "$binary") bytes ($(($(stat -c %s "$binary") / 1024 / 1024)) MiB)"
[[ "$user" =~ ^[1-9][0-9]*$ ]] || fail "USER is '$user', not a numeric non-root uid"
[[ "$exposed" == 9978 ]] || fail "EXPOSE is '$exposed', not 9978"
[[ "${cmd[*]}" == "--config /etc/logcollector-exporter/collectors.yaml" ]] || fail "CMD is '${cmd[*]}'"

mkdir -p "$work/etc" "$work/config"
printf 'root:x:0:0:root:/root:/bin/bash\napp:x:1654:1654::/home/app:/bin/false\n' >"$work/etc/passwd"
printf 'root:x:0:\napp:x:1654:\n' >"$work/etc/group"
# A CA and a server certificate for 127.0.0.1, and a web configuration whose user's password is s3cret.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=check-ca \
    -keyout "$work/ca.key" -out "$work/config/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=logcollector-exporter \
    -keyout "$work/config/server.key" -out "$work/server.csr" 2>/dev/null
openssl x509 -req -in "$work/server.csr" -CA "$work/config/ca.crt" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
    -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') -out "$work/config/server.crt" 2>/dev/null
chmod 644 "$work/config/server.key"
cat >"$work/config/web.yml" <<'EOF'
tls_server_config:
  cert_file: server.crt
  key_file: server.key
basic_auth_users:
  prometheus: $2y$05$ivGPnMxtudkcg6GF8ciUau/LTrhoHD89JQPtSkpQax78z7IEzp8U2
EOF
cat >"$work/config/collectors.yaml" <<'EOF'
probe:
  interval: 5s
  timeout: 1s
groups:
  - name: container
    collectors:
      - {name: answers, address: 127.0.0.1, port: 3978}
      - {name: refuses, address: 127.0.0.1, port: 3979}
EOF
base_libraries

export -f run_container say fail
export work final_root user exposed
export_array() { declare -p "$@"; }
timeout 900 unshare --net -- bash -c "$(export_array entrypoint cmd final_env libraries build_args); run_container"
say "passed in $((SECONDS - started)) s"
