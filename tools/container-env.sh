# Shared by tools/container-base.sh and tests/container/: one buildah invocation for all of
# them, so every step sees the same storage. Sourced, not run.
#
# The storage is hcbench's own (not the machine's default /var/lib/containers), so its vfs
# driver never clashes with another engine's settings, and it survives between runs: the
# base image and buildah's layer cache are made once per machine.
storage_root=${HCBENCH_CONTAINER_STORAGE:-/var/cache/hcbench/containers}
debian_suite=${HCBENCH_DEBIAN_SUITE:-bookworm}
# The name the Containerfile's FROM lines use; committed locally it resolves to
# localhost/debian:<suite>-slim, which buildah finds before any registry.
base_image="debian:$debian_suite-slim"

# vfs and chroot isolation need neither overlayfs nor a container runtime, only root.
export BUILDAH_ISOLATION=chroot
# The run root holds mount state and locks, which must not outlive a reboot: keep it in /run.
buildah=(buildah --root "$storage_root" --runroot /run/hcbench-containers --storage-driver vfs)
mkdir -p "$storage_root"
