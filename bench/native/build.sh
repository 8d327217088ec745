#!/bin/sh
# Builds the standalone indexing/sort kernel benchmark (static, portable: no -march flags).
set -e
cd "$(dirname "$0")/../.."
mkdir -p build
g++ -O3 -std=c++17 -pthread -static -Inative/include -Inative \
  bench/native/indexing_bench.cc native/kernels/ref/index.cc native/kernels/ref/sort.cc \
  native/kernels/cpu/index.cc native/kernels/cpu/sort.cc native/runtime/threadpool.cc native/runtime/cpu_features.cc \
  -o build/indexing_bench
