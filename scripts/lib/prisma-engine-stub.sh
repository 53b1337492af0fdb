#!/bin/sh
# Stands in for Prisma's native schema engine, which cannot be downloaded here. `prisma generate`
# only asks it for its version; migrations are applied by packages/db/src/migrate (wasm engine).
hash="$(node -p "require('@prisma/engines-version').enginesVersion" 2>/dev/null)"
case "$1" in
  --version|-V) echo "schema-engine-cli ${hash:-unknown}" ;;
  *) echo "The native Prisma schema engine is not installed; use npm run db:migrate (wasm engine)." >&2; exit 1 ;;
esac
