#!/bin/sh
# Builds native/kvm-capture/build/kvm-capture with the C toolchain better-sqlite3 already needs.
# Usage: native/kvm-capture/build.sh   (CC overrides the compiler; default cc)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$here/build"
${CC:-cc} -O2 -std=gnu11 -Wall -Wextra -Wno-unused-parameter \
  -o "$here/build/kvm-capture.tmp" "$here/kvm-capture.c"
mv "$here/build/kvm-capture.tmp" "$here/build/kvm-capture"
