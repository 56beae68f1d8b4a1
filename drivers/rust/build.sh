#!/usr/bin/env bash
# Builds the Rust driver with Debian's cargo and rustc 1.63, offline, against Debian's
# crates (/usr/share/cargo/registry, from the librust-*-dev packages): cargo's default
# registry is replaced by that directory, so nothing is downloaded. meson runs it
# (drivers/rust/meson.build); by hand:
#   drivers/rust/build.sh OUTPUT_BINARY FALLBACK_TARGET_DIR [CRATE_DIR]
#   drivers/rust/build.sh --check     (exit 0 if it can build, else says what is missing)
# CRATE_DIR (default: the driver's) builds another small crate the same way, into the
# driver's target directory, so that the crates it shares with the driver are not compiled
# twice: bench/overhead_drivers.sh builds its bare reqwest loop so. Its program is the one
# named like OUTPUT_BINARY.
set -euo pipefail
# By absolute path: a rustup toolchain first on PATH is another compiler, with another
# registry configuration.
cargo=/usr/bin/cargo
rustc=/usr/bin/rustc
registry=/usr/share/cargo/registry
source_dir=$(cd "$(dirname "$0")" && pwd)
cargo_options=(--offline
  --config 'source.crates-io.replace-with="debian"'
  --config "source.debian.directory=\"$registry\"")
# CARGO_HOME (set below) away from ~/.cargo, whose config may point at a registry; RUSTC
# and RUSTDOC so that cargo does not pick a rustup compiler from PATH.
export RUSTC=$rustc RUSTDOC=/usr/bin/rustdoc
unset RUSTUP_TOOLCHAIN CARGO_BUILD_TARGET

if [[ ${1:-} == --check ]]; then
  for program in $cargo $rustc; do
    [[ -x $program ]] || { echo "$program is missing (Debian packages cargo, rustc)"; exit 1; }
  done
  export CARGO_HOME=$(mktemp -d)
  trap 'rm -rf "$CARGO_HOME"' EXIT
  # Resolving the dependency graph offline shows whether every crate is installed (in a copy:
  # resolving writes a Cargo.lock beside the manifest).
  copy=$CARGO_HOME/crate
  mkdir -p "$copy" && cp "$source_dir/Cargo.toml" "$copy/"
  if ! error=$("$cargo" generate-lockfile "${cargo_options[@]}" --manifest-path "$copy/Cargo.toml" \
    2>&1 >/dev/null); then
    echo "the Rust crates are missing (librust-reqwest-dev, librust-ureq-dev, librust-hyper-dev, ...): ${error##*error: }" | head -c 400
    exit 1
  fi
  exit 0
fi

output=$(realpath -m "$1")
crate_dir=$(cd "${3:-$source_dir}" && pwd)
program=$(basename "$output")
# The compiled crates are kept in the user's cache, shared by every build tree: a first build
# compiles ~110 crates (minutes of CPU, docs/drivers.md), and the CI's second, sanitized
# build then compiles nothing again; cargo locks the directory while it builds. The build
# tree's directory when there is no home. One directory per source tree, so that two clones
# never hand each other their program.
target_dir=$(realpath -m "$2")
tree=$(printf %s "$source_dir" | sha256sum | cut -c1-16)
if user_cache=${XDG_CACHE_HOME:-${HOME:+$HOME/.cache}} && [[ -n $user_cache ]] &&
  mkdir -p "$user_cache/hcbench/rust-target/$tree" 2>/dev/null &&
  [[ -w $user_cache/hcbench/rust-target/$tree ]]; then
  target_dir=$user_cache/hcbench/rust-target/$tree
fi
export CARGO_HOME=$target_dir/cargo-home
mkdir -p "$CARGO_HOME"
# The crate is built from a copy, where cargo writes the Cargo.lock of the versions it
# resolved (Debian ships one version of each crate): the source tree stays as it is.
copy=$target_dir/crate
[[ $crate_dir == "$source_dir" ]] || copy=$target_dir/crate-$program
rm -rf "$copy/src"
mkdir -p "$copy/src"
cp "$crate_dir/Cargo.toml" "$copy/"
cp "$crate_dir"/src/*.rs "$copy/src/"
HCBENCH_RUSTC_VERSION=$("$rustc" --version | cut -d' ' -f1,2) \
  "$cargo" build --release --quiet "${cargo_options[@]}" --manifest-path "$copy/Cargo.toml" \
  --target-dir "$target_dir"
# Copied then renamed: a driver still running from the previous build keeps its file.
cp "$target_dir/release/$program" "$output.new"
mv -f "$output.new" "$output"
