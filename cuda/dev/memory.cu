// Dev harness for the memory-bound kernels (elementwise, casts, reductions): validates against the
// CPU (odd sizes, unaligned pointers for the scalar path, every dtype), then measures bandwidth at
// 2^28 elements against a device-to-device cudaMemcpy of the same bytes (the copy ceiling).
// Usage: memory [--quick]
#include "harness.h"

using namespace dev;

static double gelu_ref(double x) { return 0.5 * x * (1 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))); }

static void validate(nrc_dtype dt, size_t n, size_t shift, uint64_t seed) {
  double tol = dt == NRC_F32 ? 1e-6 : dt == NRC_BF16 ? 8e-3 : 1e-3;
  auto ha = randn(n, seed), hb = uniform(n, seed + 1, 0.5f, 2.f);
  round_to(ha, dt); round_to(hb, dt);
  // buffers one element larger so that p + shift is a legal, unaligned view when shift = 1
  Buf A(n + 1, dt), B(n + 1, dt), O(n + 1, dt);
  size_t es = nrc::dtype_size(dt);
  auto at = [&](const Buf& b) { return (char*)b.p + shift * es; };
  std::vector<float> pa(n + 1, 0.f), pb(n + 1, 1.f);
  std::copy(ha.begin(), ha.end(), pa.begin() + shift);
  std::copy(hb.begin(), hb.end(), pb.begin() + shift);
  A.upload(pa); B.upload(pb);
  auto out = [&]() { auto v = O.download(); return std::vector<float>(v.begin() + shift, v.begin() + shift + n); };
  char what[128];
  const char* names[] = {"add", "sub", "mul", "div"};
  for (int op = 0; op < 4; op++) {
    std::vector<double> ref(n);
    for (size_t i = 0; i < n; i++) {
      double a = ha[i], b = hb[i];
      ref[i] = op == 0 ? a + b : op == 1 ? a - b : op == 2 ? a * b : a / b;
    }
    O.poison();
    CHECK_NRC(nrc_binary((nrc_binary_op)op, dt, at(A), at(B), at(O), n));
    snprintf(what, sizeof what, "binary %s %s n=%zu shift=%zu", names[op], dtname(dt), n, shift);
    check(what, out(), ref, tol);
  }
  const char* unames[] = {"relu", "gelu_tanh", "silu", "exp", "neg", "tanh", "sigmoid"};
  for (int op = 0; op < 7; op++) {
    std::vector<double> ref(n);
    for (size_t i = 0; i < n; i++) {
      double x = ha[i];
      ref[i] = op == 0 ? std::max(x, 0.0) : op == 1 ? gelu_ref(x) : op == 2 ? x / (1 + std::exp(-x)) : op == 3 ? std::exp(x)
             : op == 4 ? -x : op == 5 ? std::tanh(x) : 1 / (1 + std::exp(-x));
    }
    O.poison();
    CHECK_NRC(nrc_unary((nrc_unary_op)op, dt, at(A), at(O), n));
    snprintf(what, sizeof what, "unary %s %s n=%zu shift=%zu", unames[op], dtname(dt), n, shift);
    check(what, out(), ref, dt == NRC_F32 ? 2e-6 : tol);
  }
  {  // axpy: O = 0.5 * A + B (O starts as B)
    std::vector<double> ref(n);
    for (size_t i = 0; i < n; i++) ref[i] = 0.5 * ha[i] + hb[i];
    O.upload(pb);
    CHECK_NRC(nrc_axpy(dt, 0.5f, at(A), at(O), n));
    snprintf(what, sizeof what, "axpy %s n=%zu shift=%zu", dtname(dt), n, shift);
    check(what, out(), ref, tol);
  }
  for (nrc_dtype to : {NRC_F32, NRC_F16, NRC_BF16}) {  // cast dt -> to
    Buf C(n + 1, to);
    C.poison();
    CHECK_NRC(nrc_cast(dt, at(A), to, (char*)C.p + shift * nrc::dtype_size(to), n));
    auto v = C.download();
    std::vector<double> ref(ha.begin(), ha.end());
    snprintf(what, sizeof what, "cast %s->%s n=%zu shift=%zu", dtname(dt), dtname(to), n, shift);
    check(what, std::vector<float>(v.begin() + shift, v.begin() + shift + n), ref,
          to == NRC_F32 ? 0 : to == NRC_BF16 ? 8e-3 : 1e-3);
  }
  {  // fill
    O.poison();
    CHECK_NRC(nrc_fill(dt, at(O), n, 1.5f));
    snprintf(what, sizeof what, "fill %s n=%zu shift=%zu", dtname(dt), n, shift);
    check(what, out(), std::vector<double>(n, 1.5), 0);
  }
  {  // sum_all, sum_rows (warp path cols <= 512, block path above)
    Buf s(1, NRC_F32);
    double acc = 0, mag = 0;
    for (float x : ha) { acc += x; mag += std::fabs(x); }
    s.poison();
    CHECK_NRC(nrc_sum_all(dt, at(A), s.as<float>(), n));
    snprintf(what, sizeof what, "sum_all %s n=%zu shift=%zu", dtname(dt), n, shift);
    // relative to the sum of magnitudes: fp32 accumulation error, not cancellation, is what we test
    double err = std::fabs(s.download()[0] - acc) / mag;  // relative to the sum of |x|
    bool ok = err < 1e-6;
    printf("%s %-60s err/sum|x| %.2e (tol 1e-06)\n", ok ? "PASS" : "FAIL", what, err);
    if (!ok) g_failures++;
    for (size_t cols : {(size_t)37, (size_t)4099}) {
      size_t rows = n / cols;
      Buf r(rows, NRC_F32);
      r.poison();
      CHECK_NRC(nrc_sum_rows(dt, at(A), r.as<float>(), rows, cols));
      std::vector<double> ref(rows, 0.0);
      for (size_t i = 0; i < rows; i++) for (size_t c = 0; c < cols; c++) ref[i] += ha[i * cols + c];
      snprintf(what, sizeof what, "sum_rows %s %zux%zu shift=%zu", dtname(dt), rows, cols, shift);
      check(what, r.download(), ref, 1e-5);
    }
  }
}

int main(int argc, char** argv) {
  init(argc, argv);
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_BF16, NRC_F16})
    for (size_t shift : {0, 1}) validate(dt, g_quick ? 100003 : 1000003, shift, seed += 5);
  validate(NRC_F32, 5, 0, 99);  // tail only
  if (!g_quick) {
    const size_t n = (size_t)1 << 28;
    for (nrc_dtype dt : {NRC_F32, NRC_BF16}) {
      Buf a(n, dt), b(n, dt), o(n, dt);
      a.randn(1);
      b.uniform(2, 0.5f, 2.f);
      size_t bytes = a.bytes();
      std::string sfx = std::string("/") + dtname(dt) + "/" + std::to_string(n);
      double ms = time_ms([&] { cudaMemcpyAsync(o.p, a.p, bytes, cudaMemcpyDeviceToDevice, nrc::stream()); });
      result("mem/copy" + sfx, "cudaMemcpy", ms, 2.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
      ms = time_ms([&] { nrc_cast(dt, a.p, dt, o.p, n); });
      result("mem/copy" + sfx, "copy_kernel", ms, 2.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
      ms = time_ms([&] { nrc_binary(NRC_ADD, dt, a.p, b.p, o.p, n); });
      result("mem/add" + sfx, "nrc_binary", ms, 3.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
      ms = time_ms([&] { nrc_unary(NRC_GELU_TANH, dt, a.p, o.p, n); });
      result("mem/gelu" + sfx, "nrc_unary", ms, 2.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
      Buf s(1, NRC_F32);
      ms = time_ms([&] { nrc_sum_all(dt, a.p, s.as<float>(), n); });
      result("mem/sum_all" + sfx, "nrc_sum_all", ms, 1.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
      Buf r(n / 4096, NRC_F32);
      ms = time_ms([&] { nrc_sum_rows(dt, a.p, r.as<float>(), n / 4096, 4096); });
      result("mem/sum_rows4096" + sfx, "nrc_sum_rows", ms, 1.0 * bytes / (ms * 1e-3) / 1e9, "GB/s");
    }
  }
  return finish("memory");
}
