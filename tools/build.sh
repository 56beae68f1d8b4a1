#!/usr/bin/env bash
# Configures (once) and builds hcbench with meson.
# Usage: tools/build.sh [BUILD_DIR] [extra meson setup options...]   (default BUILD_DIR: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
if [[ ! -f "$build_dir/build.ninja" ]]; then
  meson setup "$build_dir" "$@"
elif (($# > 0)); then
  meson configure "$build_dir" "$@"
fi
meson compile -C "$build_dir"
