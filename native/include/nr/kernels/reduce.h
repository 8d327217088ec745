// Reductions over trailing dims. The caller (JS) permutes the input view so the dims to keep come
// first and the dims to reduce come last: x is (K..., R...) with nkept leading dims; out is
// contiguous with prod(K) elements. Indices (argmax/argmin/max/min) are positions in the flattened
// R block, which equal the index along the dim when one dim is reduced.
#pragma once
#include "nr/view.h"

namespace nr {

#define NR_REDUCE_OPS(X) X(sum) X(mean) X(prod) X(amax) X(amin) X(argmax) X(argmin) X(var) X(logsumexp) X(norm) X(any) X(all)

enum class ReduceOp : int {
#define NR_X(n) n,
  NR_REDUCE_OPS(NR_X)
#undef NR_X
  kCount
};
const char* reduce_name(ReduceOp op);

// param: var -> correction; norm -> p (inf allowed). out dtype: sum/prod of ints -> int64,
// argmax/argmin -> int64, any/all -> bool, amax/amin -> input dtype, the rest float (= input).
void reduce(ReduceOp op, const View& out, const View& x, int nkept, double param);
void reduce_ref(ReduceOp op, const View& out, const View& x, int nkept, double param);

// max/min with indices over the R block: values (x's dtype) and indices (int64), both contiguous.
void reduce_minmax(bool is_max, const View& values, const View& indices, const View& x, int nkept);
void reduce_minmax_ref(bool is_max, const View& values, const View& indices, const View& x, int nkept);

// ---- float32 SIMD primitives per ISA (reduce_avx2.cc / reduce_avx512.cc) ----------------------------
// Sums are accumulated in double, so results stay within rounding of the float64 reference.
enum class SumKind : int {
  x = 0,        // x
  sq = 1,       // x^2
  abs = 2,      // |x|
  exp_c = 3,    // e^(x - c)   (float32 exp; c is a float32 value such as the max)
  sqdev = 4,    // (x - c)^2   (in double; c is a double mean)
  nonzero = 5,  // x != 0
};
enum class ExtKind : int { max = 0, min = 1, absmax = 2, absmin = 3 };

struct ReduceF32 {
  // Sum of f(p[i]) over a contiguous run of n floats.
  double (*sum)(SumKind f, const float* p, int64_t n, double c);
  // Extremum of f(p[i]) over a run, ignoring NaN (identity -Inf/+Inf when none); *nan |= any NaN.
  float (*ext)(ExtKind f, const float* p, int64_t n, bool* nan);
  // First i with p[i] == v (v NaN: the first NaN), or -1.
  int64_t (*find)(const float* p, int64_t n, float v);
  // Column forms over R rows of K contiguous floats, row r at base + r*stride:
  // acc[j] += sum_r f(row_r[j]), with c[j] the per-column constant (null when f needs none).
  void (*sum_cols)(SumKind f, double* acc, const float* base, int64_t stride, int64_t R, int64_t K, const double* c);
  // best[j] / idx[j]: running extremum of f over rows and the row index (r0 + r) of its first
  // occurrence; a NaN wins at its first occurrence and sticks. idx may be null.
  void (*ext_cols)(ExtKind f, float* best, int32_t* idx, const float* base, int64_t stride, int64_t R, int64_t K, int32_t r0);
};
const ReduceF32* reduce_f32_avx2();    // null where not compiled (arm64)
const ReduceF32* reduce_f32_avx512();

}  // namespace nr
