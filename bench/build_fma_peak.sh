#!/bin/sh
# Builds bench/fma_peak (the FMA peak probe) into build/bench/. No -march: per-ISA code uses target attributes.
set -e
cd "$(dirname "$0")/.."
mkdir -p build/bench
${CXX:-g++} -O2 -std=c++17 -pthread bench/fma_peak.cc -o build/bench/fma_peak
