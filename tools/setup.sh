#!/usr/bin/env bash
# Installs every Debian 12 package hcbench needs to build, test, benchmark and report.
# Idempotent: packages already present are skipped, and `apt-get update` runs at most once.
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
  nlohmann-json3-dev libgtest-dev node-llhttp
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
  # the Node.js driver
  nodejs
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
  exit 0
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
