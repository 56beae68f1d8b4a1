#!/usr/bin/env bash
# Installs every Debian 12 package hcbench needs to build, test, benchmark and report.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
# Also installs the Node.js driver's npm libraries (npm ci in drivers/node, from the committed
# package-lock.json), again only when they are missing or the lock file changed.
# Usage: tools/setup.sh [--bench] [--charts] [--container] [--build-only]
#   --bench       adds nginx, wrk, h2load, ab, hyperfine, perf, strace, valgrind
#   --charts      adds chromium, to look at `hcbench report --charts` SVGs as a browser renders
#                 them (chromium --headless --screenshot=FILE file://...); the tests do not need it
#   --container   adds buildah and debootstrap, for the container test (tests/container/)
#   --build-only  only what configuring and compiling hcbench needs (the Containerfile's build
#                 stage uses it)
set -euo pipefail

build_packages=(
  build-essential meson ninja-build pkg-config
  libuv1-dev libmbedtls-dev libssl-dev libcurl4-openssl-dev libcxxopts-dev libfmt-dev
  nlohmann-json3-dev libgtest-dev node-llhttp libnghttp2-dev
  # meson configures the tests too: the report tests parse the SVG charts with expat
  libexpat1-dev
)
packages=(
  "${build_packages[@]}"
  # tests and tools: curl for the loopback tests, openssl for the certificate script,
  # clang's sanitizer runtime for the sanitized CI build, clang-format for the format check
  curl openssl ca-certificates procps iproute2 python3 libclang-rt-14-dev clang clang-format
  # the run tests validate the results JSON against docs/results-schema.json
  python3-jsonschema
  # tools/k8s-run.sh renders the Kubernetes manifests, and their test parses them
  python3-yaml
  # the Python client drivers run with Debian's /usr/bin/python3 and these libraries
  python3-requests python3-urllib3 python3-pycurl python3-httpx python3-aiohttp
  # httpx's HTTP/2 (http2=True)
  python3-h2
  # the Node.js driver; its libraries (undici, axios, got, node-fetch) come from npm below
  nodejs
  # the Java driver (drivers/java): Debian's OpenJDK 17 compiles and runs it, against
  # Debian's jars of OkHttp and Apache HttpClient 5 (and slf4j-nop to keep the latter quiet)
  openjdk-17-jdk-headless libokhttp-java libhttpclient5-java libslf4j-java
)
# The Go and Rust drivers (drivers/go, drivers/rust), built by meson offline from these:
# Debian's Go 1.19, fasthttp's sources and golang.org/x/net's (h2c); rustc 1.63, cargo and the crates of reqwest, ureq
# and hyper (native-tls over OpenSSL). About 540 MiB (Go) and 640 MiB (Rust) installed.
packages+=(
  golang-go golang-github-valyala-fasthttp-dev golang-golang-x-net-dev
  rustc cargo libssl-dev librust-reqwest-dev librust-ureq-dev librust-hyper-dev
  librust-hyper-tls-dev librust-tokio-dev librust-tokio-native-tls-dev librust-native-tls-dev
  librust-sha2-dev librust-base64-dev librust-serde-json-dev librust-libc-dev
)
for option in "$@"; do
  case "$option" in
    --bench) packages+=(nginx-light wrk nghttp2-client apache2-utils hyperfine linux-perf strace valgrind) ;;
    --charts) packages+=(chromium) ;;
    --container) packages+=(buildah debootstrap) ;;
    --build-only) ;;
    *) echo "setup: unknown option $option (use --bench, --charts, --container, --build-only)" >&2; exit 2 ;;
  esac
done
# Checked last so that it wins over the options that add packages.
[[ " $* " == *" --build-only "* ]] && packages=("${build_packages[@]}")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The Node.js driver's libraries, exactly as pinned in drivers/node/package-lock.json. npm ci
# replaces node_modules whole, so it runs only when the lock file differs from the one last
# installed (a stamp in node_modules), and never runs install scripts.
[[ " $* " == *" --build-only "* ]] && exit 0
node_dir="$(cd "$(dirname "$0")/.." && pwd)/drivers/node"
lock_sum=$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)
stamp="$node_dir/node_modules/.hcbench-lock-sha256"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$lock_sum" ]]; then
  echo "setup: Node.js driver libraries already installed"
elif ! command -v npm >/dev/null; then
  # Node.js 20 packages bundle npm; Debian's own nodejs 18 does not (and is too old for the
  # pinned undici and got). The rows of those libraries are then skipped, with the reason.
  echo "setup: npm not found: the Node.js driver's libraries are not installed" >&2
else
  echo "setup: npm ci in drivers/node"
  (cd "$node_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$stamp"
fi
