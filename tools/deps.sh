#!/bin/sh
# deps.sh: install what `make test` needs beyond Go, and only what is
# missing. The checks look at files and the package database, never start
# Python or a browser, so that with everything present the script installs
# nothing and takes a few milliseconds.
#
#   /usr/bin/python3 with torch and numpy  Debian's python3-torch, python3-numpy
#   OpenBLAS for them                      libopenblas0-pthread (see below)
#   node                                   nodejs (the WebAssembly tests)
#   /usr/bin/chromium                      chromium (the web app's tests)
#   make, gcc and libc's headers           make, gcc, libc6-dev (cgo)
#   g++                                    g++ (the emulated CUDA kernels, make cuda-emu)
#   qemu-aarch64-static                    qemu-user-static (the NEON kernels' tests)
#
# OpenBLAS: Debian's torch and numpy call the BLAS that the alternatives
# system names libblas.so.3. Without OpenBLAS that is the reference BLAS, on
# which one evaluation of the 10,000 MNIST test images takes about a
# minute; with it, a few seconds. The fixtures and round trips give the
# same results on both (tools/README.md says how that was checked).
#
# As root with apt-get it installs; otherwise it prints the one command to
# run and exits 1.
set -eu

missing=""
need() { missing="$missing $*"; }
installed() { dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null | grep -q '^ii'; }
pymodule() {
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -S -c "
import sys; sys.path[:0] = ['/usr/lib/python3/dist-packages']
import importlib.util; sys.exit(importlib.util.find_spec('$1') is None)" 2>/dev/null
}

pymodule torch || need python3-torch
pymodule numpy || need python3-numpy
if command -v dpkg-query >/dev/null; then
	installed libopenblas0-pthread || need libopenblas0-pthread
fi
command -v node >/dev/null || need nodejs
[ -x /usr/bin/chromium ] || need chromium
command -v make >/dev/null || need make
command -v gcc >/dev/null || need gcc
command -v g++ >/dev/null || need g++
[ -f /usr/include/stdio.h ] || need libc6-dev
command -v qemu-aarch64-static >/dev/null || need qemu-user-static

[ -n "$missing" ] || exit 0
missing=${missing# }
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "deps: missing $missing: run  sudo apt-get install -y $missing" >&2
	exit 1
fi
echo "deps: installing $missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q $missing
