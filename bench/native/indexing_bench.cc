// Standalone timing of the indexing and sorting kernels (no Node): the reference kernels vs the
// fast ones on 1 thread and on N threads, on the workloads of bench/indexing.js. Build and run:
//   bench/native/build.sh && ./build/indexing_bench [threads] [name filter]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>
#include "nr/kernels/index.h"
#include "nr/kernels/sort.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

using namespace nr;

namespace {

// A contiguous tensor owning its memory.
struct Buf {
  std::vector<char> mem;
  View v;
  Buf(DType t, std::vector<int64_t> shape) {
    v.dtype = t;
    v.ndim = (int)shape.size();
    v.numel = 1;
    for (int d = v.ndim - 1; d >= 0; --d) { v.shape[d] = shape[d]; v.strides[d] = v.numel; v.numel *= shape[d]; }
    mem.resize((size_t)(v.numel * dtype_size(t)) + 64);
    v.data = mem.data();
  }
  template <typename T> T* p() { return v.ptr<T>(); }
};

std::mt19937_64 rng(0);
void fill_normal(Buf& b) { std::normal_distribution<float> n; for (int64_t i = 0; i < b.v.numel; ++i) b.p<float>()[i] = n(rng); }
void fill_int(Buf& b, int64_t lo, int64_t hi) {
  std::uniform_int_distribution<int64_t> u(lo, hi - 1);
  for (int64_t i = 0; i < b.v.numel; ++i) b.p<int64_t>()[i] = u(rng);
}

double time_ms(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> ts;
  for (int r = 0; r < reps; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    fn();
    ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ts.begin(), ts.end());
  return ts[0];   // best of reps: the machines this runs on are often shared
}

View bcast_index(const View& idx, const View& like, int dim) {   // 1-D idx broadcast along like's other dims
  View v = like;
  v.dtype = idx.dtype;
  v.data = idx.data;
  for (int d = 0; d < v.ndim; ++d) v.strides[d] = d == dim ? 1 : 0;
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = argc > 1 ? std::atoi(argv[1]) : num_threads();
  const int64_t V = 50000, D = 256, N = 8192;
  Buf weight(DType::f32, {V, D}), ids(DType::i64, {N}), rows_out(DType::f32, {N, D}), gW(DType::f32, {V, D});
  fill_normal(weight); fill_int(ids, 0, V); fill_normal(rows_out);
  Buf X(DType::f32, {4096, 1024}), GI(DType::i64, {4096, 256}), GO(DType::f32, {4096, 256}), XS(DType::f32, {4096, 1024});
  fill_normal(X); fill_int(GI, 0, 1024); fill_normal(GO);
  Buf big(DType::f32, {100000, 64}), bigIdx(DType::i64, {50000}), bigOut(DType::f32, {50000, 64});
  fill_normal(big); fill_int(bigIdx, 0, 100000); fill_normal(bigOut);
  Buf rows(DType::f32, {1024, 1024}), rv(DType::f32, {1024, 1024}), ri(DType::i64, {1024, 1024});
  Buf lng(DType::f32, {1 << 20}), lv(DType::f32, {1 << 20}), li(DType::i64, {1 << 20});
  Buf lngI(DType::i64, {1 << 20}), lvI(DType::i64, {1 << 20});
  fill_normal(rows); fill_normal(lng); fill_int(lngI, -1000000000, 1000000000);
  Buf tk(DType::f32, {1024, 4096}), tv(DType::f32, {1024, 10}), ti(DType::i64, {1024, 10});
  fill_normal(tk);
  Buf mask(DType::b8, {1 << 24});
  { std::uniform_real_distribution<float> u; for (int64_t i = 0; i < mask.v.numel; ++i) mask.p<uint8_t>()[i] = u(rng) < 0.1f; }
  int64_t nnz = count_nonzero(mask.v);
  Buf nzOut(DType::i64, {nnz, 1});

  View selIdx = bcast_index(ids.v, rows_out.v, 0);
  View bigB = bigIdx.v;
  struct Case { const char* name; std::function<void()> fn; };
  std::vector<Case> cases = {
      {"embedding fwd (gather rows) 50000x256, 8192 ids", [&] { gather(rows_out.v, weight.v, selIdx, 0); }},
      {"embedding bwd (scatter-add rows) 8192x256 -> 50000x256", [&] { scatter(ScatterMode::add, gW.v, selIdx, rows_out.v, 0); }},
      {"gather dim 1 4096x1024 idx 4096x256", [&] { gather(GO.v, X.v, GI.v, 1); }},
      {"scatterAdd dim 1 4096x1024 idx 4096x256", [&] { scatter(ScatterMode::add, XS.v, GI.v, GO.v, 1); }},
      {"x[idx] 100000x64 idx 50000", [&] { index_gather(bigOut.v, big.v, 1, &bigB); }},
      {"x[idx] += v (accumulate) 100000x64 idx 50000", [&] { index_put(big.v, 1, &bigB, bigOut.v, true); }},
      {"sort rows f32 1024x1024", [&] { sort(rv.v, ri.v, rows.v, 1, false); }},
      {"sort one row f32 2^20", [&] { sort(lv.v, li.v, lng.v, 0, false); }},
      {"sort one row int64 2^20", [&] { sort(lvI.v, li.v, lngI.v, 0, false); }},
      {"topk k=10 1024x4096", [&] { topk(tv.v, ti.v, tk.v, 1, 10, true); }},
      {"nonzero 2^24 bool, 10% set", [&] { nonzero(nzOut.v, mask.v); }},
  };
  Isa best = active_isa();
  std::printf("indexing kernels: %s, up to %d threads; best of 5-9 runs, ms\n", isa_name(best), threads);
  std::printf("%-58s %9s %9s %9s %8s %8s\n", "op", "ref", "fast 1t", "fast Nt", "vs ref", "scaling");
  const char* filter = argc > 2 ? argv[2] : "";
  for (auto& c : cases) {
    if (!std::strstr(c.name, filter)) continue;
    set_active_isa(Isa::kRef); set_num_threads(1);
    double tr = time_ms(c.fn, 5);
    set_active_isa(best);
    double t1 = time_ms(c.fn, 9);
    set_num_threads(threads);
    double tn = time_ms(c.fn, 9);
    std::printf("%-58s %9.2f %9.2f %9.2f %7.1fx %7.1fx\n", c.name, tr, t1, tn, tr / tn, t1 / tn);
  }
  return 0;
}
