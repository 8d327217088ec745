// Shared helpers for the dev harnesses (cuda/dev/*.cu, built with -DNEURONA_CUDA_DEV=ON):
// status checks, random host data and dtype conversion, device buffers, poisoning, error metrics
// against a float64 CPU reference, event timing on the library's stream (median of repeats), and
// RESULT lines (also appended to $NRC_RESULTS when set) that cuda/dev/compare.py joins with the
// PyTorch figures of bench_torch.py. Every harness takes --quick (validation only, small sizes: the
// mode compute-sanitizer runs) and exits non-zero when a check fails.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "common.cuh"
#include "neurona_cuda.h"

namespace dev {

#define NRC_DISPATCH_VOID(dt, T, ...)                                 \
  switch (dt) {                                                       \
    case NRC_F32: { using T = float; __VA_ARGS__; break; }            \
    case NRC_F16: { using T = __half; __VA_ARGS__; break; }           \
    default: { using T = __nv_bfloat16; __VA_ARGS__; break; }         \
  }

static int g_failures = 0;
static bool g_quick = false;

#define CHECK_NRC(call)                                                                        \
  do {                                                                                         \
    nrc_status s_ = (call);                                                                    \
    if (s_ != NRC_OK) {                                                                        \
      fprintf(stderr, "%s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, s_, nrc_last_error()); \
      exit(2);                                                                                 \
    }                                                                                          \
  } while (0)

inline void init(int argc, char** argv) {
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--quick")) g_quick = true;
  CHECK_NRC(nrc_init());
  nrc_device_info info;
  CHECK_NRC(nrc_device_get_info(0, &info));
  printf("# device: %s (cc %d.%d, %d SMs, %.1f GiB), build archs %s%s\n", info.name, info.cc_major, info.cc_minor,
         info.multiprocessors, info.total_memory / 1073741824.0, nrc_build_archs(), g_quick ? ", quick mode" : "");
}

// A call that must return status `want` (and, when needle is given, a message containing it).
inline void expect_status(const char* what, nrc_status got, nrc_status want, const char* needle = nullptr) {
  bool ok = got == want && (!needle || strstr(nrc_last_error(), needle));
  printf("%s %-70s status %d (want %d): %s\n", ok ? "PASS" : "FAIL", what, got, want, got ? nrc_last_error() : "");
  if (!ok) g_failures++;
}

inline int finish(const char* name) {
  CHECK_NRC(nrc_sync());
  printf("# %s: %s (%d failed checks)\n", name, g_failures ? "FAIL" : "ok", g_failures);
  return g_failures ? 1 : 0;
}

// ---- host data ----
// n normal (or uniform) values from seed, as float (default) or double.
template <typename F = float>
inline std::vector<F> randn(size_t n, uint64_t seed, F scale = F(1)) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<F> d(F(0), scale);
  std::vector<F> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}
template <typename F = float>
inline std::vector<F> uniform(size_t n, uint64_t seed, F lo, F hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<F> d(lo, hi);
  std::vector<F> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Rounds host floats to what dtype dt can hold (so the CPU reference sees the GPU's inputs).
inline void round_to(std::vector<float>& v, nrc_dtype dt) {
  if (dt == NRC_BF16) for (auto& x : v) x = __bfloat162float(__float2bfloat16_rn(x));
  if (dt == NRC_F16) for (auto& x : v) x = __half2float(__float2half_rn(x));
}

// Random fill on the device (large buffers): a hash of (seed, index) -> uniform in [lo, hi), or a
// normal(0, scale) by Box-Muller when normal is set.
template <typename T>
__global__ void rand_kernel(T* p, size_t n, uint64_t seed, float lo, float hi, bool normal) {
  for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    uint64_t z = (i + 1) * 0x9E3779B97F4A7C15ull ^ (seed * 0xD1B54A32D192ED03ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    float u1 = ((z >> 40) + 1) * (1.0f / 16777217.0f), u2 = ((z >> 16) & 0xFFFFFF) * (1.0f / 16777216.0f);
    float v = normal ? hi * sqrtf(-2.f * logf(u1)) * cospif(2.f * u2) : lo + (hi - lo) * u2;
    p[i] = nrc::from_f<T>(v);
  }
}

// Device buffer of n elements of dtype dt.
struct Buf {
  void* p = nullptr;
  size_t n = 0;
  nrc_dtype dt = NRC_F32;
  Buf() = default;
  Buf(size_t n_, nrc_dtype dt_) : n(n_), dt(dt_) { CHECK_NRC(nrc_malloc(&p, bytes())); }
  ~Buf() { if (p) nrc_free(p); }
  Buf(const Buf&) = delete;
  Buf& operator=(const Buf&) = delete;
  size_t bytes() const { return n * nrc::dtype_size(dt); }
  template <typename T = void> T* as() const { return (T*)p; }
  void poison() { CHECK_NRC(nrc_sync()); cudaMemset(p, 0xFF, bytes()); cudaDeviceSynchronize(); }  // NaN in every float type
  void fill_rand(uint64_t seed, float lo, float hi, bool normal) {
    NRC_DISPATCH_VOID(dt, T, rand_kernel<T><<<1024, 256, 0, nrc::stream()>>>((T*)p, n, seed, lo, hi, normal));
    CHECK_NRC(nrc_sync());
  }
  void randn(uint64_t seed, float scale = 1.f) { fill_rand(seed, 0.f, scale, true); }
  void uniform(uint64_t seed, float lo, float hi) { fill_rand(seed, lo, hi, false); }
  void upload(const std::vector<float>& h) {
    std::vector<uint16_t> tmp;
    if (dt == NRC_F32) { CHECK_NRC(nrc_memcpy_h2d(p, h.data(), n * 4)); return; }
    tmp.resize(n);
    for (size_t i = 0; i < n; i++) {
      if (dt == NRC_BF16) { __nv_bfloat16 b = __float2bfloat16_rn(h[i]); memcpy(&tmp[i], &b, 2); }
      else { __half b = __float2half_rn(h[i]); memcpy(&tmp[i], &b, 2); }
    }
    CHECK_NRC(nrc_memcpy_h2d(p, tmp.data(), n * 2));
  }
  std::vector<float> download() const {
    CHECK_NRC(nrc_sync());
    std::vector<float> h(n);
    if (dt == NRC_F32) { CHECK_NRC(nrc_memcpy_d2h(h.data(), p, n * 4)); return h; }
    std::vector<uint16_t> tmp(n);
    CHECK_NRC(nrc_memcpy_d2h(tmp.data(), p, n * 2));
    for (size_t i = 0; i < n; i++) {
      if (dt == NRC_BF16) { __nv_bfloat16 b; memcpy(&b, &tmp[i], 2); h[i] = __bfloat162float(b); }
      else { __half b; memcpy(&b, &tmp[i], 2); h[i] = __half2float(b); }
    }
    return h;
  }
};

// Relative L2 error ||out - ref|| / ||ref||; any NaN/Inf in out fails. Prints one line.
inline bool check(const char* what, const std::vector<float>& out, const std::vector<double>& ref, double tol) {
  double num = 0, den = 0, maxabs = 0;
  size_t bad = 0;
  for (size_t i = 0; i < ref.size(); i++) {
    if (!std::isfinite(out[i]) && std::isfinite(ref[i])) { bad++; continue; }
    double d = (double)out[i] - ref[i];
    num += d * d; den += ref[i] * ref[i];
    maxabs = std::max(maxabs, std::fabs(d));
  }
  double rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  bool ok = bad == 0 && rel <= tol;
  printf("%s %-60s rel_err %.2e (tol %.0e) max_abs %.2e%s\n", ok ? "PASS" : "FAIL", what, rel, tol, maxabs,
         bad ? (" non-finite: " + std::to_string(bad)).c_str() : "");
  if (!ok) g_failures++;
  return ok;
}
inline bool check_f(const char* what, const std::vector<float>& out, const std::vector<float>& ref, double tol) {
  return check(what, out, std::vector<double>(ref.begin(), ref.end()), tol);
}

// Median milliseconds of fn() over reps, timed with events on the library's stream, after warmup.
template <typename F>
inline double time_ms(F fn, int reps = 20, int warmup = 3) {
  cudaStream_t s = nrc::stream();
  for (int i = 0; i < warmup; i++) fn();
  cudaEvent_t a, b;
  cudaEventCreate(&a);
  cudaEventCreate(&b);
  std::vector<float> t(reps);
  for (int i = 0; i < reps; i++) {
    cudaEventRecord(a, s);
    fn();
    cudaEventRecord(b, s);
    cudaEventSynchronize(b);
    cudaEventElapsedTime(&t[i], a, b);
  }
  cudaEventDestroy(a);
  cudaEventDestroy(b);
  CHECK_NRC(nrc_sync());
  std::sort(t.begin(), t.end());
  return t[reps / 2];
}

// One benchmark result: key (kernel/config) shared with bench_torch.py, time, figure and unit.
inline void result(const std::string& key, const char* variant, double ms, double value, const char* unit) {
  printf("RESULT,%s,%s,%.4f,%.1f,%s\n", key.c_str(), variant, ms, value, unit);
  if (const char* f = getenv("NRC_RESULTS")) {
    if (FILE* fp = fopen(f, "a")) {
      fprintf(fp, "ours,%s,%s,%.4f,%.1f,%s\n", key.c_str(), variant, ms, value, unit);
      fclose(fp);
    }
  }
}

inline const char* dtname(nrc_dtype dt) { return nrc::dtype_name(dt); }

}  // namespace dev
