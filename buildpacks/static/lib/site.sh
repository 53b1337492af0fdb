# shellcheck shell=bash
# Facts about a static site shared by bin/compile and bin/release.

STATIC_SERVER_PATH='.heroku/static/server.mjs'

# Prints the directory to serve, relative to BUILD_DIR: "." when index.html is at the root,
# else "public".
static_root() {
  if [[ -f "$1/index.html" ]]; then echo '.'; else echo 'public'; fi
}

# Prints the web process command for BUILD_DIR.
static_web_command() {
  printf 'node %s %s\n' "$STATIC_SERVER_PATH" "$(static_root "$1")"
}
