#!/usr/bin/env bash
# npm run bench:scheduler: placement throughput of the scheduler's pure core, and failover time on
# three real Docker hosts (network namespaces on this machine), in one run.
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
exec node --import tsx scripts/bench/scheduler.ts "$@"
