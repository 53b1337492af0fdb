#!/usr/bin/env bash
# npm run bench:addons: time to provision a Postgres add-on (median of 3); backup and restore of a
# generated database (GANTRY_BENCH_DB_GB, default 1) through Gantry beside plain pg_dump /
# pg_restore in the same server (MB/s, ratio); a scheduled backup's check; then, on a lab of three
# Docker hosts with an app writing through DATABASE_URL, the write pause and lost acknowledged
# writes of an addons:move and of an HA add-on's failover (its leader's host killed; promotion time).
# Settings:
#   GANTRY_BENCH_DB_GB=0.05            a smaller generated database (default 1 GB)
#   GANTRY_BENCH_ADDONS_ONLY=lab       only the move and failover (no provisioning/backup sections)
#   GANTRY_BENCH_ADDONS_ONLY=storage   only provisioning, backup/restore and the check (no lab)
# Exits 1 when a check or a measurement failed or an acknowledged write was lost.
# Starts an isolated Gantry and a lab: run it alone, through the e2e lock:
#   flock /tmp/gantry-e2e.lock npm run bench:addons
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/addons.ts "$@"
