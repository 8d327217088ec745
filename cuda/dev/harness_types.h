// Dev-harness helpers for every nrc_dtype (harness.h's Buf covers float32/16/bf16 only): a typed
// device buffer with upload/download through std::vector<double>, rounding host values to a dtype,
// and checks that treat NaN and infinities exactly (a NaN or +-inf in the reference must be matched
// bit-for-kind in the output; the finite rest is compared by relative L2 error) or demand equality.
#pragma once
#include "harness.h"
#include "dtype_ext.cuh"

namespace dev {

inline double round_val(double v, nrc_dtype dt) {
  switch (dt) {
    case NRC_F32: return (double)(float)v;
    case NRC_F16: return (double)__half2float(__float2half_rn((float)v));
    case NRC_BF16: return (double)__bfloat162float(__float2bfloat16_rn((float)v));
    case NRC_I32: return (double)(int32_t)v;
    case NRC_I64: return (double)(int64_t)v;
    default: return v;
  }
}
inline void round_all(std::vector<double>& v, nrc_dtype dt) { for (auto& x : v) x = round_val(x, dt); }

// n elements of any dtype.
struct TBuf {
  void* p = nullptr;
  size_t n = 0;
  nrc_dtype dt = NRC_F32;
  TBuf(size_t n_, nrc_dtype dt_) : n(n_), dt(dt_) { CHECK_NRC(nrc_malloc(&p, std::max<size_t>(bytes(), 16))); }
  ~TBuf() { if (p) nrc_free(p); }
  TBuf(const TBuf&) = delete;
  TBuf& operator=(const TBuf&) = delete;
  size_t bytes() const { return n * nrc::dtype_size(dt); }
  template <typename T = void> T* as() const { return (T*)p; }
  void poison() { CHECK_NRC(nrc_sync()); cudaMemset(p, 0xFF, bytes()); cudaDeviceSynchronize(); }
  void upload(const std::vector<double>& h) {
    std::vector<char> raw(bytes());
    for (size_t i = 0; i < n; i++) {
      char* d = raw.data() + i * nrc::dtype_size(dt);
      switch (dt) {
        case NRC_F32: { float v = (float)h[i]; memcpy(d, &v, 4); break; }
        case NRC_F16: { __half v = __float2half_rn((float)h[i]); memcpy(d, &v, 2); break; }
        case NRC_BF16: { __nv_bfloat16 v = __float2bfloat16_rn((float)h[i]); memcpy(d, &v, 2); break; }
        case NRC_F64: memcpy(d, &h[i], 8); break;
        case NRC_I32: { int32_t v = (int32_t)h[i]; memcpy(d, &v, 4); break; }
        case NRC_I64: { int64_t v = (int64_t)h[i]; memcpy(d, &v, 8); break; }
        default: { uint8_t v = (uint8_t)h[i]; memcpy(d, &v, 1); break; }
      }
    }
    if (n) CHECK_NRC(nrc_memcpy_h2d(p, raw.data(), bytes()));
  }
  void upload_i64(const std::vector<int64_t>& h) { if (n) CHECK_NRC(nrc_memcpy_h2d(p, h.data(), n * 8)); }
  std::vector<double> download() const {
    CHECK_NRC(nrc_sync());
    std::vector<char> raw(bytes());
    if (n) CHECK_NRC(nrc_memcpy_d2h(raw.data(), p, bytes()));
    std::vector<double> h(n);
    for (size_t i = 0; i < n; i++) {
      const char* d = raw.data() + i * nrc::dtype_size(dt);
      switch (dt) {
        case NRC_F32: { float v; memcpy(&v, d, 4); h[i] = v; break; }
        case NRC_F16: { __half v; memcpy(&v, d, 2); h[i] = __half2float(v); break; }
        case NRC_BF16: { __nv_bfloat16 v; memcpy(&v, d, 2); h[i] = __bfloat162float(v); break; }
        case NRC_F64: memcpy(&h[i], d, 8); break;
        case NRC_I32: { int32_t v; memcpy(&v, d, 4); h[i] = v; break; }
        case NRC_I64: { int64_t v; memcpy(&v, d, 8); h[i] = (double)v; break; }
        default: { uint8_t v; memcpy(&v, d, 1); h[i] = v; break; }
      }
    }
    return h;
  }
  std::vector<int64_t> download_i64() const {
    CHECK_NRC(nrc_sync());
    std::vector<int64_t> h(n);
    if (n) CHECK_NRC(nrc_memcpy_d2h(h.data(), p, n * 8));
    return h;
  }
};

// NaN/inf must match exactly; the finite part by relative L2 error (tol 0: exact).
inline bool check_nan(const std::string& what, const std::vector<double>& out, const std::vector<double>& ref, double tol) {
  double num = 0, den = 0, maxabs = 0;
  size_t bad = 0, first_bad = (size_t)-1;
  for (size_t i = 0; i < ref.size(); i++) {
    bool ok = true;
    if (std::isnan(ref[i])) ok = std::isnan(out[i]);
    else if (std::isinf(ref[i])) ok = out[i] == ref[i];
    else if (!std::isfinite(out[i])) ok = false;
    else {
      double d = out[i] - ref[i];
      num += d * d; den += ref[i] * ref[i];
      maxabs = std::max(maxabs, std::fabs(d));
      if (tol == 0 && d != 0) ok = false;
    }
    if (!ok) { bad++; if (first_bad == (size_t)-1) first_bad = i; }
  }
  double rel = den > 0 ? std::sqrt(num / den) : std::sqrt(num);
  bool ok = bad == 0 && rel <= tol;
  printf("%s %-70s rel_err %.2e (tol %.0e) max_abs %.2e", ok ? "PASS" : "FAIL", what.c_str(), rel, tol, maxabs);
  if (bad) printf(" mismatched: %zu (first at %zu: got %g want %g)", bad, first_bad, out[first_bad], ref[first_bad]);
  printf("\n");
  if (!ok) g_failures++;
  return ok;
}
inline bool check_i64(const std::string& what, const std::vector<int64_t>& out, const std::vector<int64_t>& ref) {
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < ref.size(); i++)
    if (out[i] != ref[i]) { if (!bad) first = i; bad++; }
  printf("%s %-70s", bad ? "FAIL" : "PASS", what.c_str());
  if (bad) printf(" mismatched: %zu (first at %zu: got %lld want %lld)", bad, first, (long long)out[first], (long long)ref[first]);
  printf("\n");
  if (bad) g_failures++;
  return !bad;
}
inline double gbps(double bytes, double ms) { return bytes / (ms * 1e-3) / 1e9; }

}  // namespace dev
