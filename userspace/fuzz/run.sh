#!/bin/sh
# Builds the metadata fuzzer with clang in build-fuzz/ and runs it.
#
#   userspace/fuzz/run.sh [seconds]     (default 30)
#
# DMREMAP_FUZZ_BUILD    build directory (default: <repository>/build-fuzz)
# DMREMAP_FUZZ_BIN_DIR  use the fuzzer already built there; do not build
#
# Seeds are made afresh in <bin>/seeds; what the fuzzer finds stays in
# <bin>/corpus for the next run, and crashes land in <bin>/crash-*.
set -eu

seconds=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

if [ -n "${DMREMAP_FUZZ_BIN_DIR:-}" ]; then
    bin=$DMREMAP_FUZZ_BIN_DIR
else
    build=${DMREMAP_FUZZ_BUILD:-$root/build-fuzz}
    cc=$(command -v clang || command -v clang-14 || true)
    cxx=$(command -v clang++ || command -v clang++-14 || true)
    if [ -z "$cc" ] || [ -z "$cxx" ]; then
        echo "run.sh: clang and clang++ are needed to build the fuzzer" >&2
        exit 1
    fi
    CC=$cc CXX=$cxx cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DDMREMAP_BUILD_TESTS=OFF >/dev/null
    cmake --build "$build" -j2 --target dmremap_metadata_fuzz dmremap_metadata_fuzz_seeds
    bin=$build/fuzz
fi

rm -rf "$bin/seeds"
mkdir -p "$bin/seeds" "$bin/corpus"
"$bin/dmremap_metadata_fuzz_seeds" "$bin/seeds"
exec "$bin/dmremap_metadata_fuzz" -max_total_time="$seconds" -max_len=70000 -timeout=20 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$bin/" "$bin/corpus" "$bin/seeds"
