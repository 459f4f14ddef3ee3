#!/bin/sh
# headers.sh DIR: put cuda.h and the stub libcuda.so, all that building the
# cuda-tagged code needs, under DIR/include and DIR/lib. They come from the
# system when Debian's nvidia-cuda-dev is installed, else from its package,
# fetched with apt-get download (the apt sources must have contrib and
# non-free) and unpacked without installing. Neither file may be committed:
# cuda.h's licence forbids redistribution (DIR is under the ignored .dev/).
set -eu
dir=$1
stubs=usr/lib/x86_64-linux-gnu/stubs
mkdir -p "$dir/include" "$dir/lib"
if [ -f /usr/include/cuda.h ] && [ -f /$stubs/libcuda.so ]; then
	cp /usr/include/cuda.h "$dir/include/"
	cp /$stubs/libcuda.so "$dir/lib/"
	exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q nvidia-cuda-dev) || {
	echo "headers.sh: apt-get download nvidia-cuda-dev failed: add contrib and non-free to the Debian apt sources and run apt-get update" >&2
	exit 1
}
dpkg-deb --fsys-tarfile "$tmp"/nvidia-cuda-dev_*.deb | tar -x -C "$tmp" ./usr/include/cuda.h ./$stubs/libcuda.so
cp "$tmp/usr/include/cuda.h" "$dir/include/"
cp "$tmp/$stubs/libcuda.so" "$dir/lib/"
