#!/usr/bin/env bash
# npm run bench:addons: time to provision a Postgres add-on (median of 3); backup and restore of a
# generated database (GANTRY_BENCH_DB_GB, default 1) through Gantry beside plain pg_dump /
# pg_restore in the same server (MB/s, ratio); a scheduled backup's check; the move and failover
# slots. Starts an isolated Gantry: run it alone (e2e tests use the same machinery).
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/addons.ts "$@"
