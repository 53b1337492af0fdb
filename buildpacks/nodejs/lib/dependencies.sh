# shellcheck shell=bash
# Dependency steps of the nodejs buildpack: install (or restore from the build cache), build
# script, cache, prune. Runs in BUILD_DIR with the variables of bin/compile (PKG_*, CACHE_DIR,
# WORK_DIR, NODE_VERSION, NPM_VERSION).
#
# The build cache keeps the node_modules of the last build (before pruning) with a key made of
# everything that determines it: lockfile, dependency fields of package.json, .npmrc, npm
# config vars, Node.js and npm versions, stack. Same key: node_modules is restored and the
# install is skipped.

DEPS_CACHE_FORMAT=1

# run_script NAME: npm run NAME, output indented; fails the build if it fails.
run_script() {
  local name=$1 started status
  started=$(now_ms)
  if run_logged "$WORK_DIR/script-$name.log" npm run "$name"; then
    info "\"$name\" finished in $(elapsed_since "$started")"
  else
    status=$?
    fail "The \"$name\" script failed (exit status $status); see its output above."
  fi
}

# run_script_if_present NAME HEADING: runs the package.json script NAME if it is defined.
run_script_if_present() {
  local name=$1 flag="PKG_script_${1//-/_}"
  if [[ "${!flag:-0}" != 1 ]]; then return 0; fi
  heading "$2"
  run_script "$name"
}

# Prints the build cache key of the dependencies (see the header).
dependency_cache_key() {
  local file
  {
    printf '%s\n' "format=$DEPS_CACHE_FORMAT" "stack=${STACK:-}" "node=$NODE_VERSION" "npm=$NPM_VERSION" "deps=$PKG_deps_digest"
    for file in package-lock.json npm-shrinkwrap.json .npmrc; do
      if [[ -f "$file" ]]; then printf '%s=' "$file" && sha256sum <"$file"; fi
    done
    env | grep -iE '^npm_config_' | grep -ivE '^npm_config_(cache|progress|update_notifier|fund|audit|logs_max)=' | sort || true
  } | sha256sum | cut -d ' ' -f 1
}

# True when the build cache holds node_modules for KEY (never for npm workspaces: their
# node_modules directories are spread over the repository).
dependencies_cached() {
  [[ "$PKG_workspaces" == 0 && -d "$CACHE_DIR/node_modules" && -f "$CACHE_DIR/node_modules.key" ]] &&
    [[ "$(cat -- "$CACHE_DIR/node_modules.key")" == "$1" ]]
}

install_dependencies() {
  local started status lockfile='' cmd=(npm install)
  heading 'Installing dependencies'
  if [[ -f npm-shrinkwrap.json ]]; then lockfile=npm-shrinkwrap.json; elif [[ -f package-lock.json ]]; then lockfile=package-lock.json; fi
  if [[ -n "$lockfile" ]]; then
    cmd=(npm ci)
  else
    warn_about_lockfile
  fi
  DEPS_KEY=$(dependency_cache_key)
  DEPS_RESTORED=0
  started=$(now_ms)
  if dependencies_cached "$DEPS_KEY"; then
    rm -rf -- node_modules
    cp -a -- "$CACHE_DIR/node_modules" node_modules
    DEPS_RESTORED=1
    info "${lockfile:-package.json}, Node.js and npm are unchanged since the last build:"
    info "restored node_modules from the build cache in $(elapsed_since "$started"), skipping ${cmd[*]}"
    run_root_install_scripts
    return 0
  fi
  if [[ -e node_modules ]]; then
    warn 'node_modules is checked into the repository: it is ignored and reinstalled (add it to .gitignore).'
    rm -rf -- node_modules
  fi
  info "Running ${cmd[*]}${lockfile:+ ($lockfile found)}"
  if run_logged "$WORK_DIR/install.log" "${cmd[@]}" --include=dev; then
    info "Installed dependencies in $(elapsed_since "$started")"
  else
    status=$?
    install_failed "${cmd[*]}" "$status" "$WORK_DIR/install.log"
  fi
}

warn_about_lockfile() {
  if [[ -f yarn.lock || -f pnpm-lock.yaml ]]; then
    warn 'yarn.lock or pnpm-lock.yaml found, but Gantry installs with npm: the versions they pin are not used.'
  fi
  info 'No package-lock.json: versions are resolved now. Commit package-lock.json for reproducible builds.'
}

# The lifecycle scripts npm ci would have run for the app itself, when node_modules was
# restored from the cache instead.
run_root_install_scripts() {
  local name
  [[ -n "$PKG_root_install_scripts" ]] || return 0
  for name in ${PKG_root_install_scripts//,/ }; do
    info "Running the app's \"$name\" script (npm ci would have run it)"
    run_script "$name"
  done
}

# install_failed COMMAND STATUS LOG: ends the build with a reason, and a hint when npm's
# output shows a common cause.
install_failed() {
  local cmd=$1 status=$2 log=$3 hints=()
  if grep -q 'can only install packages when your package.json and package-lock.json' "$log"; then
    hints+=('package-lock.json is out of sync with package.json: run `npm install` locally and commit package-lock.json.')
  elif grep -q 'code E404' "$log"; then
    hints+=("A dependency does not exist on the npm registry ($RT_REGISTRY): check the names in package.json.")
  elif grep -q 'code ETARGET' "$log"; then
    hints+=('No published version of a dependency matches the range package.json asks for.')
  elif grep -qE 'code (EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED_CERT_IN_CHAIN)' "$log"; then
    hints+=("The npm registry ($RT_REGISTRY) could not be reached.")
  elif grep -qE 'gyp (ERR|info)' "$log"; then
    hints+=('A dependency compiles native code, and the build image has no compiler: prefer packages with prebuilt binaries.')
  fi
  fail "$cmd failed (exit status $status); see npm's output above." "${hints[@]}"
}

# Runs heroku-postbuild if defined, else build if defined.
run_build_script() {
  heading 'Build'
  if [[ "$PKG_script_heroku_postbuild" == 1 ]]; then
    info 'Running heroku-postbuild (instead of build)'
    run_script heroku-postbuild
  elif [[ "$PKG_script_build" == 1 ]]; then
    run_script build
  else
    info 'No "build" or "heroku-postbuild" script in package.json: nothing to build'
  fi
}

# Saves node_modules (with devDependencies, as the next install would produce it) for the next build.
cache_dependencies() {
  local started
  heading 'Caching dependencies'
  if [[ "$DEPS_RESTORED" == 1 ]]; then
    info 'The build cache is up to date'
    return 0
  fi
  rm -rf -- "$CACHE_DIR/node_modules" "$CACHE_DIR/node_modules.key" "$CACHE_DIR/node_modules.tmp"
  if [[ "$PKG_workspaces" == 1 ]]; then
    info 'Not caching node_modules of npm workspaces (npm cache only)'
    return 0
  fi
  if [[ ! -d node_modules ]]; then
    info 'No node_modules to cache'
    return 0
  fi
  started=$(now_ms)
  cp -a -- node_modules "$CACHE_DIR/node_modules.tmp"
  mv -- "$CACHE_DIR/node_modules.tmp" "$CACHE_DIR/node_modules"
  printf '%s\n' "$DEPS_KEY" >"$CACHE_DIR/node_modules.key"
  info "Saved node_modules ($(du -sh node_modules | cut -f 1)) in $(elapsed_since "$started")"
}

prune_dev_dependencies() {
  local started status
  heading 'Pruning devDependencies'
  if [[ "$PKG_dev_dependencies" == 0 ]]; then
    info 'No devDependencies in package.json'
    return 0
  fi
  if [[ "$NODE_ENV" != production ]]; then
    info "Skipped: NODE_ENV is \"$NODE_ENV\", so devDependencies are kept"
    return 0
  fi
  started=$(now_ms)
  if run_logged "$WORK_DIR/prune.log" npm prune --omit=dev; then
    info "Pruned in $(elapsed_since "$started")"
  else
    status=$?
    fail "npm prune --omit=dev failed (exit status $status); see npm's output above."
  fi
}
