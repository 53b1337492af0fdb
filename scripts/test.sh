#!/usr/bin/env bash
# npm test: the whole suite, unit and real end-to-end. On a fresh clone it first does the same
# set-up as `npm run up` (system packages, Docker/Redis/Postgres, npm deps, stack image,
# dashboard build); the e2e setup then runs its own isolated Gantry (instance "test", own ports,
# database and containers), so a Gantry started by `npm run up` is left alone.
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
step "Type-checking"
npx --no-install tsc --noEmit -p tsconfig.json
exec npx vitest run "$@"
