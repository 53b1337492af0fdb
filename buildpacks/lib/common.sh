# shellcheck shell=bash
# Output, timing, error handling and environment helpers shared by Gantry's buildpacks.
# Source it from a bin/ script that runs with `set -eEuo pipefail`.
#
# Output conventions (what users see on `git push`, prefixed by "remote:"):
#   -----> Heading          a step
#          detail           details, indented by 7 spaces
#    !     warning          warnings and errors

heading() { printf -- '-----> %s\n' "$*"; }
info() { printf '       %s\n' "$*"; }
# Each argument is printed as one or more warning lines (arguments may contain newlines).
warn() {
  local arg line
  for arg in "$@"; do
    while IFS= read -r line; do printf ' !     %s\n' "$line"; done <<<"$arg"
  done
}

# Indents a stream (stdout of a command) as detail lines, without buffering.
indent() { sed -u -e 's/\r$//' -e '/^$/!s/^/       /'; }

# Ends the build: "Build failed" then each argument as a line of the reason.
fail() {
  heading 'Build failed'
  warn "$@"
  exit 1
}

# Reports a command that failed where no explicit check exists (a bug rather than bad input).
# Installed as the ERR trap by install_error_trap; stays silent in subshells so the message
# is printed once, by the main shell.
on_unexpected_error() {
  local status=$1 line=$2 command=$3
  if [[ "$BASHPID" != "$$" ]]; then exit "$status"; fi
  trap - ERR
  heading 'Build failed'
  warn "Unexpected error: \`$command\` exited with status $status (${BASH_SOURCE[1]##*/buildpacks/}:$line)." \
    'This is probably a bug in the buildpack; please report it with the output above.'
  exit 1
}

install_error_trap() {
  trap 'on_unexpected_error "$?" "$LINENO" "$BASH_COMMAND"' ERR
}

# Milliseconds since the epoch.
now_ms() {
  local ns
  ns=$(date +%s%N)
  printf '%s\n' "$((ns / 1000000))"
}

# Formats a duration in ms as "850ms", "3.4s" or "2m05s".
format_ms() {
  local ms=$1
  if ((ms < 1000)); then
    printf '%sms\n' "$ms"
  elif ((ms < 60000)); then
    printf '%s.%ss\n' "$((ms / 1000))" "$((ms % 1000 / 100))"
  else
    printf '%sm%02ds\n' "$((ms / 60000))" "$((ms % 60000 / 1000))"
  fi
}

# Prints the time elapsed since START (from now_ms), formatted.
elapsed_since() {
  local start=$1 now
  now=$(now_ms)
  format_ms "$((now - start))"
}

# Human-readable size of a file ("49.2 MB").
file_size() {
  local bytes
  bytes=$(stat -c %s -- "$1")
  if ((bytes >= 1048576)); then
    printf '%s.%s MB\n' "$((bytes / 1048576))" "$((bytes % 1048576 * 10 / 1048576))"
  else
    printf '%s KB\n' "$(((bytes + 1023) / 1024))"
  fi
}

# Runs a command with its stdout and stderr streamed as indented detail lines and copied to
# LOG; returns the command's exit status.  Usage: run_logged LOG command [args...]
run_logged() {
  local log=$1
  shift
  if "$@" 2>&1 | tee -- "$log" | indent; then return 0; else return "$?"; fi
}

# curl with retries, failing on HTTP errors, quiet unless something goes wrong.
# CURL_CA_BUNDLE (set by the builder) makes it trust the host's CA bundle.
fetch() {
  curl --fail --silent --show-error --location --retry 3 --retry-delay 1 --retry-connrefused \
    --connect-timeout 20 --max-time 900 "$@"
}

# Exports the app's config vars (ENV_DIR: one file per variable, Heroku-style) so build scripts
# see them, except variables that would break the build environment. Values are read as data,
# never evaluated.
export_env_dir() {
  local env_dir=$1 file name
  local denied='^(PATH|HOME|PWD|SHELL|USER|IFS|LANG|ENV|BASH_ENV|BASHOPTS|SHELLOPTS|PS4|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LD_LIBRARY_PATH|LIBRARY_PATH|STACK|BUILD_DIR|CACHE_DIR|ENV_DIR|GANTRY_.*)$'
  [[ -n "$env_dir" && -d "$env_dir" ]] || return 0
  for file in "$env_dir"/*; do
    [[ -f "$file" ]] || continue
    name=${file##*/}
    [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
    if [[ "$name" =~ $denied ]]; then continue; fi
    export "$name=$(cat -- "$file")"
  done
}

# Serializes builds sharing CACHE_DIR (two pushes of the same app at once): holds a lock on
# CACHE_DIR/.lock until the script exits.
lock_cache_dir() {
  local cache_dir=$1
  mkdir -p -- "$cache_dir"
  exec 9>"$cache_dir/.lock"
  if ! flock --nonblock 9; then
    info 'Waiting for another build of this app to release the build cache...'
    flock 9
  fi
}
