#!/bin/sh
# Builds the standalone GEMM harness (native/test/gemm_dev.cc) into build/gemm_dev and runs it.
set -e
cd "$(dirname "$0")/../.."
mkdir -p build
${CXX:-g++} -O3 -std=c++17 -pthread -Inative/include -Inative \
  native/test/gemm_dev.cc native/kernels/ref/gemm.cc native/kernels/cpu/gemm.cc \
  native/kernels/cpu/gemm_packed.cc native/kernels/cpu/gemm_avx512.cc native/kernels/cpu/gemm_avx2.cc \
  native/kernels/cpu/gemm_base.cc native/runtime/threadpool.cc native/runtime/cpu_features.cc \
  -o build/gemm_dev
exec build/gemm_dev "$@"
