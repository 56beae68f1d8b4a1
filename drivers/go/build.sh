#!/usr/bin/env bash
# Builds the Go driver with Debian's Go 1.19 in GOPATH mode against Debian's Go sources
# (/usr/share/gocode, where golang-github-valyala-fasthttp-dev puts fasthttp and
# golang-golang-x-net-dev golang.org/x/net/http2, the h2c client): no module is
# downloaded, no proxy is asked. meson runs it (drivers/go/meson.build); by hand:
#   drivers/go/build.sh OUTPUT_BINARY FALLBACK_CACHE_DIR [PACKAGE_DIR]
#   drivers/go/build.sh --check     (exit 0 if it can build, else says what is missing)
# PACKAGE_DIR (default: the driver's) builds another main package the same way (same Go, same
# flags, CGO_ENABLED=0): bench/overhead_drivers.sh builds its bare net/http loop so.
set -euo pipefail
# By absolute path: a newer Go first on PATH would build against other sources (or none).
go=/usr/lib/go-1.19/bin/go
gopath=/usr/share/gocode
if [[ ${1:-} == --check ]]; then
  [[ -x $go ]] || { echo "$go is missing (Debian package golang-go)"; exit 1; }
  [[ -d $gopath/src/github.com/valyala/fasthttp ]] ||
    { echo "fasthttp's sources are missing (golang-github-valyala-fasthttp-dev)"; exit 1; }
  [[ -d $gopath/src/golang.org/x/net/http2 ]] ||
    { echo "golang.org/x/net/http2's sources are missing (golang-golang-x-net-dev)"; exit 1; }
  exit 0
fi
output=$(realpath -m "$1") # absolute: the build runs in the source directory
# Go's own build cache (~/.cache/go-build), shared by every build tree (the CI's second,
# sanitized build compiles nothing again); the build tree's when there is no home.
cache=$(realpath -m "$2")
if user_cache=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}} && [[ -n $user_cache ]] &&
  mkdir -p "$user_cache/go-build" 2>/dev/null && [[ -w $user_cache/go-build ]]; then
  cache=$user_cache/go-build
fi
source_dir=$(cd "$(dirname "$0")" && pwd)
package_dir=$(cd "${3:-$source_dir}" && pwd)
# The upstream version of the Debian package: 1:1.31.0-4 -> 1.31.0.
fasthttp_version=$(dpkg-query -W -f='${Version}' golang-github-valyala-fasthttp-dev 2>/dev/null || echo unknown)
fasthttp_version=${fasthttp_version#*:}
fasthttp_version=${fasthttp_version%-*}
mkdir -p "$cache"
cd "$package_dir"
# GOPATH mode (GO111MODULE=off) resolves imports in GOPATH only; GOPROXY=off and an empty
# GOFLAGS keep any module setting of the caller out.
env -u GOROOT GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$gopath" GOCACHE="$cache" \
  CGO_ENABLED=0 "$go" build -trimpath -ldflags "-s -w -X main.fasthttpVersion=$fasthttp_version" \
  -o "$output" .
