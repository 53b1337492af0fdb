#!/usr/bin/env bash
# npm run bench:autoscale: on the saturating-app fixture (an instance answers ~40 req/s) autoscaled
# 1-8 on p95 250 ms, (a) the seconds from a load step that needs four instances until the p95 is
# back under the target, (b) the scale events during five minutes of steady load (goal 0), (c) the
# wake latency of the sleeping app beside docker start of the same container (p50/p99, ratio;
# skipped, and said so, while the CLI has no ps:sleep).
# Settings:
#   GANTRY_BENCH_AUTOSCALE_ONLY=step|steady|wake   one part alone (default: all three)
#   GANTRY_BENCH_STEADY_SECONDS=300                how long (b) counts
#   GANTRY_BENCH_WAKE_SAMPLES=15                   wakes and docker starts in (c)
#   GANTRY_AUTOSCALE_WINDOW / _STABILIZATION       the autoscaler's (default 60s / 5m, production's)
# Exits 1 when a part failed or the step's p95 never came back under the target.
# Starts an isolated Gantry: run it alone, through the e2e lock:
#   flock /tmp/gantry-e2e.lock npm run bench:autoscale
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/autoscale.ts "$@"
