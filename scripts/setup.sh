#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for amem and builds it: system packages, configure, build.
# Usage: scripts/setup.sh [build-dir]      (default: build)
# Re-running is cheap: apt skips what is installed, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${1:-build}

packages=(build-essential cmake ninja-build libtorch-dev libsentencepiece-dev sentencepiece
          libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libgtest-dev libcli11-dev
          liblzma-dev libplplot-dev plplot-driver-cairo libgloo-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

start=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build_dir" -j"$(nproc)"
echo "setup: configure + build took $(( $(date +%s) - start )) s; binary: $build_dir/bin/amem"
