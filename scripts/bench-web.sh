#!/usr/bin/env bash
# npm run bench:web: the dashboard's first load and a client-side navigation to an app's
# overview, in Debian's chromium, on an isolated Gantry (instance "bench") holding 50 apps and
# one app with 20 running instances. Goal: time to content under 1 s for both.
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
exec node --import tsx scripts/bench/web.ts "$@"
