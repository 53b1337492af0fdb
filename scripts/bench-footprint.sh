#!/usr/bin/env bash
# npm run bench:footprint (issue 17, "Lean enough for a 1 GB machine"): on an isolated installation
# brought up by `npm run up` itself, with 20 apps deployed, the resident memory of every Gantry
# process (the supervisor and all its descendants, netd's container) grouped by service, idle
# (median) and during one more build and deploy (peak), the totals against the budgets (400 MB
# idle, 600 MB deploying, 60 MB an agent), and the start time of `npm run up` and of each service.
# Settings:
#   GANTRY_BENCH_FOOTPRINT_APPS=20              apps deployed before the idle samples
#   GANTRY_BENCH_FOOTPRINT_FIXTURE=static-site  or node-app
#   GANTRY_BENCH_FOOTPRINT_SETTLE=30            seconds idle before sampling
#   GANTRY_BENCH_FOOTPRINT_IDLE=30              seconds of idle samples (one every 3 s)
# Starts an isolated Gantry: run it alone, through the e2e lock:
#   flock /tmp/gantry-e2e.lock npm run bench:footprint
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/footprint.ts "$@"
