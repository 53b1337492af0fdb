#!/usr/bin/env bash
# npm run down: stop Gantry's services (apps keep running in their containers; `npm run up`
# resumes managing them). Docker, Redis and Postgres are left running.
set -euo pipefail
cd "$(dirname "$0")/.."
exec node --import tsx scripts/down.ts "$@"
