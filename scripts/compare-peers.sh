#!/usr/bin/env bash
# compare-peers.sh: is sagebench's load generator ever the bottleneck?
#
# Starts one loopback HTTP server (internal/peers/loopserver, allocation-free, answers every
# POST with 30 bytes of JSON) and loads it in turn with sagebench (bench.Run + httpinvoker),
# vegeta, hey and wrk: same concurrency, same duration, same body, runs alternating
# (A B C D A B C D). Prints every run and a summary with the ratio sagebench/peer as Markdown.
#
# Installs what it needs on a fresh Debian machine: hey and wrk with apt-get, vegeta with
# `go install` into a temporary GOBIN that is removed at the end. Loopback only; each run is
# bounded by its duration (and killed two minutes past it at the latest).
#
# Usage: scripts/compare-peers.sh [peers compare flags...]
#   CONC=16,64 DURATION=10s ROUNDS=2 BODY=path/to.jpg PIN=true scripts/compare-peers.sh
# Total time is about len(CONC) x ROUNDS x 4 x DURATION (160 s with the defaults).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

work=$(mktemp -d -t sagebench-peers.XXXXXX)
trap 'rm -rf "$work"' EXIT

sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
if ! command -v hey >/dev/null || ! command -v wrk >/dev/null || ! command -v taskset >/dev/null; then
	echo "installing hey, wrk and taskset (Debian packages)..." >&2
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hey wrk util-linux >&2
fi

echo "installing vegeta into $work/bin..." >&2
GOBIN="$work/bin" GOFLAGS= go install github.com/tsenart/vegeta/v12@v12.13.0
go build -o "$work/bin/peers" ./internal/peers

# The study's 224x224 JPEG if the shared data is beside the repo, else a synthetic one.
body=${BODY:-}
if [ -z "$body" ] && [ -f "$repo/../shared/data/sample-224.jpg" ]; then
	body="$repo/../shared/data/sample-224.jpg"
fi

"$work/bin/peers" compare \
	-c "${CONC:-16,64}" -d "${DURATION:-10s}" -rounds "${ROUNDS:-2}" -pin="${PIN:-true}" \
	${body:+-body "$body"} \
	-vegeta "$work/bin/vegeta" -hey "$(command -v hey)" -wrk "$(command -v wrk)" "$@"
