#!/bin/sh
# build-runtime-tools.sh OUT - build the OCI runtime-tools validation suite offline from the
# archive beside this script (commit 0105384, vendored Go deps), with Debian's golang-go (1.19).
# (From the project's shared OCI notes; the validation programs now build in one go build.)
# Run a test:  RUNTIME=/path/to/runtime OUT/validation/<name>/<name>.t   (as root, from OUT)
# Many at once: python3 tapsum.py /path/to/runtime OUT/validation/*/*.t
set -eu
here=$(cd "$(dirname "$0")" && pwd)
OUT=$1
command -v go >/dev/null || { echo "build-runtime-tools: needs golang-go (apt-get install golang-go)" >&2; exit 1; }
rm -rf "$OUT"; mkdir -p "$OUT"
tar -xzf "$here/runtime-tools-0105384.tar.gz" -C "$OUT" --strip-components=1
cd "$OUT"
export GOPROXY=off GOFLAGS=-mod=vendor GOCACHE="$OUT/.gocache" GO111MODULE=on
# runtimetest runs inside the bundle's rootfs: static.
CGO_ENABLED=0 go build -tags "netgo osusergo" -o runtimetest ./cmd/runtimetest
go build -o oci-runtime-tool ./cmd/oci-runtime-tool
# Every validation program in one go build (the packages compile and
# link in parallel, util once), then each moved beside its source as NAME.t.
mkdir .bin
go build -o .bin/ $(find validation -mindepth 2 -name '*.go' ! -path '*/util/*' -exec dirname {} \; | sort -u | sed 's|^|./|')
n=0
for b in .bin/*; do name=${b#.bin/}; mv "$b" "validation/$name/$name.t"; n=$((n+1)); done
rmdir .bin
echo "built $n validation programs in $OUT"
