#!/usr/bin/env bash
# npm run bench:router: the Gantry router against nginx as a reverse proxy (1 worker, upstream
# keepalive), both in front of the same backend, under the same wrk load, in one run; the backend
# is an nginx answering by itself and the fixture Node app in a container (--backend nginx|app|both).
# Options (passed through): --duration 8 --connections 32 --threads 1 --warmup 3 --rounds 3 (the goals are judged on the median)
# --profile (CPU profile of the router, top functions printed), --perf, --compare <git rev>,
# --app-address port|ip (the app at its published port, as Gantry routes, or its container address).
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_system
ensure_node_deps

BENCH_PACKAGES=(nginx wrk)
missing=()
for p in "${BENCH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  step "Installing benchmark packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packaged nginx service on install; the benchmark runs its own instances and
# does not need it (it would only take CPU and port 80).
if has_systemd && systemctl is-active --quiet nginx 2>/dev/null; then note "the system nginx service is running (not used by the benchmark)"; fi

cd "$GANTRY_ROOT"
exec node --import tsx scripts/bench/router.ts "$@"
