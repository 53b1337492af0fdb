#!/usr/bin/env bash
# npm run bench:logs: latency from a container's stdout to `gantry logs --tail` (p50/p99 over
# 1,000 lines) and the log pipeline's throughput for one app at full speed, measured in one run on
# an isolated Gantry (instance "bench"); then whether a dead log drain slows logging (append rate
# and a healthy drain's delivery, with and without a dead drain beside it).
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
node --import tsx scripts/bench/logs.ts
echo
exec node --import tsx scripts/bench/logs-drain.ts --rounds 3
