// Dev harness for nrc_reduce_rows / nrc_argreduce_rows: every op and dtype (float32/16/bf16/64,
// int32/64, float32 and float64 outputs) against a CPU model of native/kernels/ref/reduce.cc on
// shapes that reach each launch path (warp per row, block per row, split rows) with odd lengths
// (unaligned rows), empty rows, NaN and +-inf rows and tie-heavy rows; outputs poisoned first. Then
// argument errors, and timing (GB/s of input read) for many short, medium and few long rows.
// Usage: reduce_rows [--quick]
#include "harness_types.h"

using namespace dev;

static const char* opn[] = {"sum", "mean", "max", "min", "prod", "sumsq"};

// Row modes: 0 normal, 1 NaNs, 2 small integers (ties), 3 with +-inf. Values rounded to dt.
static std::vector<double> make_input(nrc_dtype dt, size_t rows, size_t cols, uint64_t seed, bool for_prod) {
  std::vector<double> x = for_prod ? uniform<double>(rows * cols, seed, 0.995, 1.005) : randn<double>(rows * cols, seed, 3.0);
  std::mt19937_64 rng(seed + 7);
  bool flt = nrc::is_float_dt(dt);
  for (size_t r = 0; r < rows && cols; r++) {
    int mode = (int)(r % 4);
    double* row = &x[r * cols];
    if (!flt) { for (size_t c = 0; c < cols; c++) row[c] = std::round(row[c] * (for_prod ? 1 : 300)); }
    if (for_prod && !flt) for (size_t c = 0; c < cols; c++) row[c] = (double)((int)(rng() % 5) - 2);
    if (mode == 2 && !for_prod) for (size_t c = 0; c < cols; c++) row[c] = (double)((int)(rng() % 7) - 3);
    if (flt && mode == 1) { row[rng() % cols] = NAN; row[rng() % cols] = NAN; }
    if (flt && mode == 3) { row[rng() % cols] = INFINITY; row[rng() % cols] = -INFINITY; }
  }
  round_all(x, dt);
  return x;
}

static void validate(nrc_dtype dt, size_t rows, size_t cols, uint64_t seed) {
  const bool flt = nrc::is_float_dt(dt);
  char what[200];
  for (int op = 0; op < 6; op++) {
    const bool ext = op == NRCR_MAX || op == NRCR_MIN;
    if (ext && !cols) continue;
    const bool prod = op == NRCR_PROD;
    auto x = make_input(dt, rows, cols, seed + op, prod);
    nrc_dtype odt = ext ? dt : (flt || op == NRCR_MEAN) ? ((seed + op) % 2 ? NRC_F64 : NRC_F32) : NRC_I64;
    std::vector<double> ref(rows);
    std::vector<int64_t> iref(rows);
    for (size_t r = 0; r < rows; r++) {
      const double* v = &x[r * cols];
      if (!flt && op != NRCR_MEAN && !ext) {  // int64 wrapping
        uint64_t s = op == NRCR_PROD ? 1 : 0;
        for (size_t c = 0; c < cols; c++) {
          uint64_t e = (uint64_t)(int64_t)v[c];
          s = op == NRCR_PROD ? s * e : op == NRCR_SUMSQ ? s + e * e : s + e;
        }
        iref[r] = (int64_t)s;
        continue;
      }
      if (ext) {
        double b = v[0];
        for (size_t c = 0; c < cols; c++) {
          if (std::isnan(v[c])) { b = v[c]; break; }
          if (op == NRCR_MAX ? v[c] > b : v[c] < b) b = v[c];
        }
        ref[r] = b;
        continue;
      }
      double s = prod ? 1 : 0;
      for (size_t c = 0; c < cols; c++) s = prod ? s * v[c] : op == NRCR_SUMSQ ? s + v[c] * v[c] : s + v[c];
      ref[r] = op == NRCR_MEAN ? s / (double)cols : s;
      if (odt == NRC_F32) ref[r] = (double)(float)ref[r];
    }
    TBuf X(rows * cols, dt), O(rows, odt);
    X.upload(x);
    O.poison();
    CHECK_NRC(nrc_reduce_rows((nrc_reduce_op)op, dt, X.p, odt, O.p, rows, cols));
    snprintf(what, sizeof what, "reduce %s %s->%s %zux%zu", opn[op], nrc::dtype_name(dt), nrc::dtype_name(odt), rows, cols);
    if (odt == NRC_I64) { check_i64(what, O.download_i64(), iref); continue; }
    // float accumulation (all but float64 inputs): sums to ~1e-6 relative; products grow with cols
    double tol = ext ? 0 : dt == NRC_F64 ? (prod ? 1e-15 * (double)cols : 0.0) + 1e-11
               : prod ? 2e-7 * (double)cols + 1e-6 : 1e-5;
    if (!flt) tol = 1e-12;
    if (odt == NRC_F32 && dt == NRC_F64) tol = std::max(tol, 1e-7);
    check_nan(what, O.download(), ref, tol);
  }
  // argmax / argmin
  for (int is_max = 0; is_max < 2 && cols; is_max++) {
    auto x = make_input(dt, rows, cols, seed + 20 + is_max, false);
    std::vector<int64_t> ref(rows);
    for (size_t r = 0; r < rows; r++) {
      const double* v = &x[r * cols];
      size_t bi = 0;
      for (size_t c = 0; c < cols; c++) {
        if (std::isnan(v[c])) { bi = c; break; }
        if (is_max ? v[c] > v[bi] : v[c] < v[bi]) bi = c;
      }
      ref[r] = (int64_t)bi;
    }
    TBuf X(rows * cols, dt), O(rows, NRC_I64);
    X.upload(x);
    O.poison();
    CHECK_NRC(nrc_argreduce_rows(is_max, dt, X.p, O.as<int64_t>(), rows, cols));
    snprintf(what, sizeof what, "%s %s %zux%zu", is_max ? "argmax" : "argmin", nrc::dtype_name(dt), rows, cols);
    check_i64(what, O.download_i64(), ref);
  }
}

static void bad_args() {
  TBuf X(64, NRC_F32), O(8, NRC_F32), I(8, NRC_I64);
  expect_status("max of empty rows rejected", nrc_reduce_rows(NRCR_MAX, NRC_F32, X.p, NRC_F32, O.p, 8, 0), NRC_ERR_INVALID_ARG, "empty");
  expect_status("argmax of empty rows rejected", nrc_argreduce_rows(1, NRC_F32, X.p, I.as<int64_t>(), 8, 0), NRC_ERR_INVALID_ARG, "empty");
  expect_status("float sum into int64 rejected", nrc_reduce_rows(NRCR_SUM, NRC_F32, X.p, NRC_I64, O.p, 8, 8), NRC_ERR_INVALID_ARG, "output dtype");
  expect_status("max into another dtype rejected", nrc_reduce_rows(NRCR_MAX, NRC_F32, X.p, NRC_F64, O.p, 8, 8), NRC_ERR_INVALID_ARG, "output dtype");
  expect_status("uint8 input unsupported", nrc_reduce_rows(NRCR_SUM, NRC_U8, X.p, NRC_I64, O.p, 8, 8), NRC_ERR_UNSUPPORTED, "uint8");
  expect_status("null input rejected", nrc_reduce_rows(NRCR_SUM, NRC_F32, nullptr, NRC_F32, O.p, 8, 8), NRC_ERR_INVALID_ARG, "null");
  expect_status("rows == 0 is a no-op", nrc_reduce_rows(NRCR_SUM, NRC_F32, nullptr, NRC_F32, nullptr, 0, 8), NRC_OK, nullptr);
}

static void bench(nrc_dtype dt, size_t rows, size_t cols, nrc_reduce_op op) {
  TBuf X(rows * cols, dt), O(rows, op == NRCR_MAX ? dt : NRC_F32);
  if (dt == NRC_F32 || dt == NRC_BF16) {
    NRC_DISPATCH_VOID(dt, T, rand_kernel<T><<<1024, 256, 0, nrc::stream()>>>((T*)X.p, X.n, 1, -1.f, 1.f, false));
  } else {
    cudaMemsetAsync(X.p, 0, X.bytes(), nrc::stream());
  }
  nrc_dtype odt = op == NRCR_MAX ? dt : NRC_F32;
  double ms = time_ms([&] { nrc_reduce_rows(op, dt, X.p, odt, O.p, rows, cols); });
  std::string key = std::string("reduce_rows_") + opn[op] + "/" + nrc::dtype_name(dt) + "/" + std::to_string(rows) + "x" + std::to_string(cols);
  result(key, "nrc_reduce_rows", ms, gbps((double)X.bytes(), ms), "GB/s");
  if (op == NRCR_MAX) {
    TBuf I(rows, NRC_I64);
    ms = time_ms([&] { nrc_argreduce_rows(1, dt, X.p, I.as<int64_t>(), rows, cols); });
    key = std::string("reduce_rows_argmax/") + nrc::dtype_name(dt) + "/" + std::to_string(rows) + "x" + std::to_string(cols);
    result(key, "nrc_argreduce_rows", ms, gbps((double)X.bytes(), ms), "GB/s");
  }
}

int main(int argc, char** argv) {
  init(argc, argv);
  const std::vector<std::pair<size_t, size_t>> shapes = {
      {37, 1}, {5, 0}, {129, 33}, {66, 1023}, {9, 1025}, {300, 4097}, {2, 100003}, {1, 5}, {3, 777777}};
  uint64_t seed = 1;
  for (nrc_dtype dt : {NRC_F32, NRC_F16, NRC_BF16, NRC_F64, NRC_I32, NRC_I64})
    for (auto [r, c] : shapes) {
      if (g_quick && r * c > 300000) continue;
      validate(dt, r, c, seed++);
    }
  std::mt19937 rng(2024);  // random shapes (fixed seed: reproducible)
  for (int i = 0; i < (g_quick ? 4 : 12); i++) {
    size_t r = 1 + rng() % 70, c = rng() % 3 ? rng() % 3000 : rng() % 70000;
    nrc_dtype dt = (nrc_dtype)(rng() % 6);
    validate(dt, r, c, seed++);
  }
  bad_args();
  if (!g_quick) {
    for (nrc_dtype dt : {NRC_F32, NRC_BF16}) {
      bench(dt, 1 << 22, 32, NRCR_SUM);     // many short rows: warp per row
      bench(dt, 16384, 4096, NRCR_SUM);     // block per row
      bench(dt, 8, 1 << 25, NRCR_SUM);      // few long rows: split rows
      bench(dt, 16384, 4096, NRCR_MAX);
    }
  }
  return finish("reduce_rows");
}
