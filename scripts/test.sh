#!/usr/bin/env bash
# Runs the whole test suite of an existing build (see scripts/setup.sh).
# Usage: scripts/test.sh [build-dir] [extra ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}
shift || true
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" "$@"
