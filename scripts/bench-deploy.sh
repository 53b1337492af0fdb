#!/usr/bin/env bash
# npm run bench:deploy: deploy times of a Node app through Gantry (cold and warm git push to the
# first 200 from the router) beside a plain `docker build` + `docker run` of an equivalent
# Dockerfile, measured in one run on an isolated Gantry (instance "bench").
set -euo pipefail
source "$(dirname "$0")/lib/system.sh"
ensure_test_prerequisites
exec node --import tsx scripts/bench/deploy.ts "$@"
