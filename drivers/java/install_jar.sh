#!/bin/sh
# Installs the Java driver's jar unchanged; run by `meson install` (drivers/java/meson.build).
# meson's own install of a target whose name ends in .jar deletes the manifest's Class-Path
# line (it means build-tree paths for meson's jar() targets), and this jar needs that line to
# find Debian's jars. Usage: install_jar.sh JAR DIRECTORY (absolute, DESTDIR prepended).
set -eu
jar=$1 dir=$2
dest="${DESTDIR:-}$dir"
mkdir -p "$dest"
cp "$jar" "$dest/"
