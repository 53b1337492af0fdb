#!/usr/bin/env bash
# npm run bench:logs: latency from a container's stdout to `gantry logs --tail` (p50/p99 over
# 1,000 lines) and the log pipeline's throughput for one app at full speed, measured in one run on
# an isolated Gantry (instance "bench").
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
exec node --import tsx scripts/bench/logs.ts "$@"
