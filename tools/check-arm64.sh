#!/usr/bin/env bash
# Compiles every native source for Linux arm64 with the Debian cross compiler
# (apt-get install g++-aarch64-linux-gnu), to prove the addon builds there (baseline kernels, no x86
# code). Compile only: objects go to a temp dir; nothing is linked or run.
set -euo pipefail
cd "$(dirname "$0")/.."
CXX=${CXX_ARM64:-aarch64-linux-gnu-g++}
command -v "$CXX" >/dev/null || { echo "check-arm64: $CXX not found (apt-get install g++-aarch64-linux-gnu)"; exit 2; }
NODE_INC=${NODE_INCLUDE:-$(node -p "require('path').join(process.execPath, '../../include/node')")}
[ -f "$NODE_INC/node_api.h" ] || NODE_INC=/usr/include/node
NAPI_INC=$(node -p "require('node-addon-api').include_dir")
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
for f in $(node tools/sources.js); do
  "$CXX" -std=c++17 -O1 -fPIC -fexceptions -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED \
    -I"$NODE_INC" -I"$NAPI_INC" -Inative/include -Inative -c "$f" -o "$out/$n.o"
  n=$((n + 1))
done
echo "check-arm64: $n sources compiled for aarch64"
