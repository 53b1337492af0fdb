#!/usr/bin/env bash
# npm run up: install what is missing, start Docker/Redis/Postgres, then bring Gantry up
# (migrations, stack image, dashboard build, services, first admin, CLI login). Idempotent.
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_system
ensure_node_deps
cd "$GANTRY_ROOT"
exec node --import tsx scripts/up.ts "$@"
