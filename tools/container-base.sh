#!/usr/bin/env bash
# Makes the Debian base image the Containerfile starts FROM, without any container registry:
# debootstrap a minimal Debian into a buildah working container and commit it under the
# Containerfile's base name. Machines that can pull images do not need this; it is for the
# container test and for hosts (like CI) where only buildah and debootstrap run.
#
# The image lives in buildah storage outside the repository, so it is made once per machine
# and suite and reused by every later run (a second call returns at once).
#
# Usage: tools/container-base.sh [--rebuild]
# Environment:
#   HCBENCH_CONTAINER_STORAGE  buildah storage root (default /var/cache/hcbench/containers)
#   HCBENCH_DEBIAN_SUITE       suite to debootstrap (default bookworm, the Containerfile's)
#   HCBENCH_DEBIAN_MIRROR      mirror for debootstrap (default: debootstrap's own default)
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/container-env.sh

rebuild=false
[[ "${1:-}" == "--rebuild" ]] && rebuild=true

if ! $rebuild && "${buildah[@]}" inspect --type image "$base_image" >/dev/null 2>&1; then
  echo "container-base: $base_image already in $storage_root"
  exit 0
fi

for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "container-base: $tool is not installed (tools/setup.sh --container)" >&2; exit 1; }
done
((EUID == 0)) || { echo "container-base: debootstrap needs root" >&2; exit 1; }

started=$SECONDS
container=$("${buildah[@]}" from --name "hcbench-base-$$" scratch)
# Remove the working container whatever happens; the committed image stays.
trap '"${buildah[@]}" rm "$container" >/dev/null 2>&1 || true' EXIT
rootfs=$("${buildah[@]}" mount "$container")

echo "container-base: debootstrap --variant=minbase $debian_suite (about a minute)"
mirror=()
[[ -n "${HCBENCH_DEBIAN_MIRROR:-}" ]] && mirror=("$HCBENCH_DEBIAN_MIRROR")
debootstrap --variant=minbase "$debian_suite" "$rootfs" "${mirror[@]}" >"$storage_root/debootstrap.log" 2>&1 ||
  { tail -n 20 "$storage_root/debootstrap.log" >&2; exit 1; }
# Like the official slim images: no downloaded packages, no package lists.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*

"${buildah[@]}" umount "$container" >/dev/null
"${buildah[@]}" config --cmd /bin/bash \
  --label "org.hcbench.base=debootstrap-$debian_suite-minbase" "$container"
"${buildah[@]}" commit --quiet --rm "$container" "$base_image" >/dev/null
trap - EXIT
echo "container-base: committed $base_image in $storage_root ($((SECONDS - started)) s)"
