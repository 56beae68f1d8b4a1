#!/bin/sh
# Compiles the Java driver into an executable jar; run by meson (drivers/java/meson.build).
# Usage: build_jar.sh JAVAC JAR OUTPUT.jar COMPILE_CLASSPATH RUN_CLASSPATH SOURCE...
# The classpaths are ':'-separated absolute paths of Debian's jars (either may be empty).
set -eu
javac=$1 jar=$2 output=$3 compile_classpath=$4 run_classpath=$5
shift 5
work=$(mktemp -d "$output.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$compile_classpath" ]; then
  "$javac" -Xlint:all -Werror --release 17 -encoding UTF-8 -d "$work/classes" -cp "$compile_classpath" "$@"
else
  "$javac" -Xlint:all -Werror --release 17 -encoding UTF-8 -d "$work/classes" "$@"
fi
# The manifest names the entry point and Debian's jars by absolute path, so `java -jar`
# finds them wherever this jar is (build tree or installed). Manifest lines are at most 72
# bytes: one jar per continuation line (a leading space continues, the second separates).
{
  echo "Main-Class: hcbench.driver.Main"
  if [ -n "$run_classpath" ]; then
    echo "$run_classpath" | tr ':' '\n' | sed '1s/^/Class-Path: /; 2,$s/^/  /'
  fi
} > "$work/manifest"
"$jar" --create --file "$work/driver.jar" --manifest "$work/manifest" -C "$work/classes" .
mv "$work/driver.jar" "$output"
