#!/usr/bin/env bash
# Runs ferry's load benchmark: builds ferry (from the repository root) and
# the baselines, installs wrk, nginx and curl from Debian's packages when
# they are missing, then runs bench/cmd/loadbench with the client pinned to
# core 1 (the driver starts the servers on core 0). Arguments go to
# loadbench: bench/run.sh -short, bench/run.sh -rows 'echo|files' -reps 3.
# Run by hand only; never in CI.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

need=()
for tool in wrk:wrk nginx:nginx-light curl:curl taskset:util-linux; do
	command -v "${tool%%:*}" >/dev/null || need+=("${tool#*:}")
done
if ((${#need[@]})); then
	echo "run.sh: installing ${need[*]}" >&2
	apt-get install -y "${need[@]}" >/dev/null || { apt-get update >/dev/null && apt-get install -y "${need[@]}" >/dev/null; }
fi

tmp=$(mktemp -d /tmp/loadbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$tmp/bin"

echo "run.sh: building ferry and the baselines" >&2
if ! (cd "$root" && go build -o "$tmp/bin/ferry" ./cmd/ferry); then
	echo "run.sh: ferry does not build; only -subject nethttp|fasthttp|nginx can run" >&2
fi
(cd "$here" && go build -o "$tmp/bin/" ./baseline/nethttp ./baseline/fasthttp ./cmd/loadbench)

# The idle row holds 10,000 connections on each side.
ulimit -n "$(ulimit -Hn)"

pin=()
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	pin=(taskset -c 1)
fi
export BENCH_COMMAND="bench/run.sh${*:+ $*}"
"${pin[@]}" "$tmp/bin/loadbench" -bin "$tmp/bin" -work "$tmp" "$@"
