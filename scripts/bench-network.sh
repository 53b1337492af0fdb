#!/usr/bin/env bash
# npm run bench:network: between two instances on different Docker hosts (a lab of two on this
# machine), request latency p50/p99 and throughput over the team's private network beside the
# hosts' own network (published ports), as ratios; then how fast the private DNS names follow a
# change (skipped, and said so, while no netd answers them).
# Starts an isolated Gantry and a lab: run it alone (e2e tests use the same machinery).
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/network.ts "$@"
