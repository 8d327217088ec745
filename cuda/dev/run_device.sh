#!/usr/bin/env bash
# Runs on the GPU machine (the device tool): builds cuda/ with CMake + ninja for sm_90a only, runs
# every dev harness (validation, then benchmark), compute-sanitizer memcheck on their --quick runs,
# the PyTorch peers (bench_torch.py) and the joined table (compare.py). Logs go to $OUT (at most
# 8 files come back from the device tool: run.log, results.csv, table.txt, sanitizer.log, sass.txt).
# Usage: bash cuda/dev/run_device.sh [source root]   (env: HARNESSES="gemm attention ...",
#        SANITIZE=0 to skip compute-sanitizer, TORCH=0 to skip PyTorch, TORCH_ONLY=prefixes,
#        NODE_PKG=<dir with package.json, dist/, build/Release/neurona.node, node.xz> for the Node check)
set -uo pipefail
SRC=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
OUT=${OUT:-/tmp/nrc-out}
BUILD=${BUILD:-/tmp/nrc-build}
HARNESSES=${HARNESSES:-"gemm attention attention_bwd memory adamw softmax layernorm strided elementwise_ext conv reduce_rows sgd batchnorm rmsnorm pool2d sort scan index loss_ext optim_ext pool_adaptive"}
mkdir -p "$OUT"
LOG=$OUT/run.log
exec > >(tee -a "$LOG") 2>&1
export NRC_RESULTS=$OUT/results.csv
: > "$NRC_RESULTS"

echo "== device"
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm,power.limit --format=csv,noheader
nvcc --version | tail -2

echo "== build (sm_90a, dev harnesses)"
t0=$(date +%s)
cmake -S "$SRC" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DNEURONA_CUDA_ARCHS=90a -DNEURONA_CUDA_DEV=ON >/dev/null &&
  ninja -C "$BUILD" 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\]" || { echo "BUILD FAILED"; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s"
# the instructions the tensor-core kernels compiled to
{ for f in gemm_wgmma gemm_mma flash_attn conv_fwd conv_bwd_data conv_bwd_filter; do
    o=$(find "$BUILD" -name "$f.cu.o" | head -1)
    echo "$f: HGMMA $(cuobjdump -sass "$o" | grep -c HGMMA) HMMA $(cuobjdump -sass "$o" | grep -c HMMA)" \
         "UTMALDG $(cuobjdump -sass "$o" | grep -c UTMALDG) LDL/STL $(cuobjdump -sass "$o" | grep -cE 'LDL|STL')"
  done; } | tee "$OUT/sass.txt"

status=0
for h in $HARNESSES; do
  echo "== $h"
  timeout 300 "$BUILD/$h" || { echo "!! $h exited with $?"; status=1; }
done

if [ "${SANITIZE:-1}" = 1 ]; then
  echo "== compute-sanitizer memcheck (--quick)"
  for h in $HARNESSES; do
    timeout 240 compute-sanitizer --tool memcheck --error-exitcode 9 "$BUILD/$h" --quick > "$OUT/san_$h.tmp" 2>&1
    rc=$?
    echo "$h: rc=$rc $(grep -E 'ERROR SUMMARY' "$OUT/san_$h.tmp" | tail -1)"
    [ $rc = 0 ] || status=1
  done | tee "$OUT/sanitizer.log"
  for h in $HARNESSES; do echo "---- $h"; grep -vE '^(PASS|skip)' "$OUT/san_$h.tmp" | head -40; done >> "$OUT/sanitizer.log"
  rm -f "$OUT"/san_*.tmp
fi

if [ "${TORCH:-1}" = 1 ]; then
  echo "== PyTorch peers"
  PYTHONUNBUFFERED=1 timeout 300 python3 "$SRC/cuda/dev/bench_torch.py" --out "$NRC_RESULTS" --only "${TORCH_ONLY:-}" ||
    echo "!! bench_torch.py failed"
fi
if [ -n "${NODE_PKG:-}" ] && [ -f "$NODE_PKG/node.xz" ]; then
  echo "== node: nr.cuda.info() through the addon's own library search"
  mkdir -p /tmp/nrc-node "$NODE_PKG/build-cuda"
  xz -d -c "$NODE_PKG/node.xz" > /tmp/nrc-node/node && chmod +x /tmp/nrc-node/node
  cp "$BUILD/libneurona_cuda.so" "$NODE_PKG/build-cuda/"
  /tmp/nrc-node/node "$SRC/cuda/dev/node_check.js" "$NODE_PKG" || { echo "!! node check failed"; status=1; }
  echo "== node: GPU checks of device tensors and layers against the CPU kernels (test/gpu)"
  timeout 600 /tmp/nrc-node/node "$SRC/test/gpu/run.js" "$NODE_PKG" 2>&1 | tee "$OUT/node_gpu.log"
  [ "${PIPESTATUS[0]}" = 0 ] || { echo "!! node GPU checks failed"; status=1; }
  if [ "${NODE_BENCH:-1}" = 1 ]; then
    echo "== node: training steps on the GPU (bench/gpu.js) and PyTorch eager (bench/gpu_torch.py)"
    timeout 300 /tmp/nrc-node/node "$SRC/bench/gpu.js" "$NODE_PKG" 2>&1 | tee -a "$OUT/node_gpu.log"
    timeout 300 python3 "$SRC/bench/gpu_torch.py" 2>&1 | tee -a "$OUT/node_gpu.log"
  fi
fi

echo "== table"
python3 "$SRC/cuda/dev/compare.py" "$NRC_RESULTS" | tee "$OUT/table.txt"
echo "== status $status"
exit $status
