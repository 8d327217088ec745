// The packed, cache-blocked, multi-threaded GEMM driver over a per-ISA GemmKernel.
// B is packed into k-major panels (NR columns each), grouped into column slabs whose KC-deep part
// fits a core's L2; a pool dispatch covers several slabs. Threads pack B panels cooperatively
// (claimed through atomic flags, so nobody ever waits for a thread that has not started) and
// split each slab into tasks of C rows (x panel groups when C has few rows). A task walks its
// depth blocks; for each row tile (MR rows; A read in place when its rows are contiguous, else
// packed k-major into a per-thread buffer) it runs the microkernel across the slab's panels.
// Matrices with one row or one column take the GEMV path. Workspaces are per thread and reused.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include "kernels/cpu/gemm_kernel.h"
#include "runtime/threadpool.h"
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define NR_SPIN_PAUSE() _mm_pause()
#else
#define NR_SPIN_PAUSE() ((void)0)
#endif

namespace nr {

namespace {

// A grow-only, 64-byte aligned scratch buffer owned by one thread. Buffers above kKeepBytes are
// released after the call that needed them, so a one-off huge product does not pin memory.
constexpr size_t kKeepBytes = size_t(16) << 20;

struct Scratch {
  void* p = nullptr;
  size_t cap = 0;
  ~Scratch() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      std::free(p);
      cap = (bytes + 4095) & ~size_t(4095);
      p = std::aligned_alloc(64, cap);
      if (!p) cap = 0;
    }
    return p;
  }
  void trim() {
    if (cap > kKeepBytes) { std::free(p); p = nullptr; cap = 0; }
  }
};

thread_local Scratch tl_pack_a;
thread_local Scratch tl_pack_b;

struct Flags {
  std::unique_ptr<std::atomic<int>[]> f;
  size_t cap = 0;
  std::atomic<int>* get(size_t n) {
    if (n > cap) { f.reset(new std::atomic<int>[n]); cap = n; }
    for (size_t i = 0; i < n; ++i) f[i].store(0, std::memory_order_relaxed);
    return f.get();
  }
};
thread_local Flags tl_flags;

// Packed B per pool dispatch (several slabs); matches what the per-thread scratch keeps.
constexpr int64_t kMaxPackedBytes = (int64_t)kKeepBytes;

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }
inline int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

// C = alpha*A*B + beta*C for rows [i_lo, i_hi) by plain loops: the fallback when a worker cannot
// get its packing buffer (allocation failure), so no exception ever leaves a pool thread.
template <typename T>
void naive_rows(int64_t i_lo, int64_t i_hi, int64_t N, int64_t K, T alpha, const T* a, int64_t a_rs,
                int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs, T beta, T* c, int64_t c_rs, int64_t c_cs,
                const T* bias) {
  for (int64_t i = i_lo; i < i_hi; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T s = 0;
      for (int64_t k = 0; k < K; ++k) s += a[i * a_rs + k * a_cs] * b[k * b_rs + j * b_cs];
      T& out = c[i * c_rs + j * c_cs];
      out = (beta == T(0) ? alpha * s : alpha * s + beta * out) + (bias ? bias[j] : T(0));
    }
}

// C = beta*C + bias (the K == 0 product).
template <typename T>
void scale_c(T* c, int64_t M, int64_t N, int64_t rs, int64_t cs, T beta, const T* bias) {
  for (int64_t i = 0; i < M; ++i)
    for (int64_t j = 0; j < N; ++j) {
      T& v = c[i * rs + j * cs];
      v = (beta == T(0) ? T(0) : v * beta) + (bias ? bias[j] : T(0));
    }
}

}  // namespace

template <typename T>
void gemm_packed(const GemmKernel<T>& kr, int64_t M, int64_t N, int64_t K, T alpha,
                 const T* a, int64_t a_rs, int64_t a_cs, const T* b, int64_t b_rs, int64_t b_cs,
                 T beta, T* c, int64_t c_rs, int64_t c_cs, const T* bias, bool threaded) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) { scale_c(c, M, N, c_rs, c_cs, beta, bias); return; }
  if (N == 1 || M == 1) {
    // One column of C: y = A·b;  one row of C: yᵀ = Bᵀ·aᵀ. Rows of y are split over threads.
    const bool col = N == 1;
    const int64_t m = col ? M : N;
    const T* mat = col ? a : b;
    const int64_t rs = col ? a_rs : b_cs, cs = col ? a_cs : b_rs;
    const T* x = col ? b : a;
    const int64_t xs = col ? b_rs : a_cs, ys = col ? c_rs : c_cs;
    auto rows = [&](int64_t i0, int64_t i1) {
      kr.gemv(i1 - i0, K, alpha, mat + i0 * rs, rs, cs, x, xs, beta, c + i0 * ys, ys);
      if (bias)  // a column of C gets bias[0] in every row; a row of C gets bias[j]
        for (int64_t i = i0; i < i1; ++i) c[i * ys] += col ? bias[0] : bias[i];
    };
    if (threaded && (double)m * (double)K > 1e5) parallel_for(m, std::max<int64_t>(16, (int64_t)(32768 / K)), rows);
    else rows(0, m);
    return;
  }
  const int64_t MR = kr.mr, NR = kr.nr;
  const int64_t kc_nom = g_gemm_tuning.kc > 0 ? g_gemm_tuning.kc : kr.kc;

  // A slab packs all of K, so a very deep product is split into depth chunks that each keep at
  // least two packed panels under kMaxPackedBytes (bounded memory for any K); later chunks
  // accumulate into C.
  const int64_t k_max = std::max<int64_t>(kc_nom, kMaxPackedBytes / (2 * NR * (int64_t)sizeof(T)) / kc_nom * kc_nom);
  if (K > k_max) {
    for (int64_t k0 = 0; k0 < K; k0 += k_max) {
      const int64_t kk = std::min(k_max, K - k0);
      gemm_packed<T>(kr, M, N, kk, alpha, a + k0 * a_cs, a_rs, a_cs, b + k0 * b_rs, b_rs, b_cs,
                     k0 == 0 ? beta : T(1), c, c_rs, c_cs, k0 == 0 ? bias : nullptr, threaded);
    }
    return;
  }

  // Depth blocks of (nearly) equal size, a multiple of 8 so packed rows stay aligned.
  const int64_t mc_nom = g_gemm_tuning.mc > 0 ? g_gemm_tuning.mc : kr.mc;
  const int64_t nkb = ceil_div(K, kc_nom);
  const int64_t KC = std::min<int64_t>(round_up(ceil_div(K, nkb), 8), K);
  const int64_t npan_all = ceil_div(N, NR);
  const int64_t pan_bytes = nkb * KC * NR * (int64_t)sizeof(T);  // one panel, all depth blocks
  // Column slab: one depth block of it (KC x NC) should stay in a core's L2 while every row block
  // of A streams past it. Slabs are balanced so the last one is not a sliver.
  const int64_t l2_bytes = (int64_t)(g_gemm_tuning.l2kb > 0 ? g_gemm_tuning.l2kb : kr.slab_kib) * 1024;
  int64_t npan_slab = std::max<int64_t>(1, std::min<int64_t>(npan_all, l2_bytes / (KC * NR * (int64_t)sizeof(T))));
  npan_slab = ceil_div(npan_all, ceil_div(npan_all, npan_slab));

  int nt = threaded ? num_threads() : 1;
  const double flops = 2.0 * (double)M * (double)N * (double)K;
  if (flops < 1.5e6) nt = 1;  // a few microseconds of work: not worth waking a thread

  // A with contiguous rows is read in place by the microkernel (row-major A panels); any other
  // layout (transposed views, general strides) is packed k-major per task.
  // (Rows with stride 0, a broadcast A, are packed: lda == 0 means "packed" to the microkernel.)
  const bool a_row_major = a_cs == 1 && a_rs != 0;

  // Tasks per slab: row blocks of C (a multiple of MR rows) x groups of B panels; several tasks
  // per thread so a thread that wakes late simply takes fewer.
  const int64_t mpan = ceil_div(M, MR);
  int64_t tasks_m = std::min<int64_t>(mpan, nt > 1 ? 4 * nt : 1);
  tasks_m = std::max<int64_t>(tasks_m, ceil_div(mpan * MR, mc_nom));
  if (nt == 1) tasks_m = 1;
  const int64_t rows_per = ceil_div(mpan, tasks_m) * MR;
  tasks_m = ceil_div(M, rows_per);
  int64_t tasks_n = 1;
  if (nt > 1 && tasks_m < 2 * nt) tasks_n = std::min<int64_t>(npan_slab, ceil_div(4 * nt, tasks_m));
  const int64_t pans_per = ceil_div(npan_slab, tasks_n);
  tasks_n = ceil_div(npan_slab, pans_per);
  const int64_t tasks_slab = tasks_m * tasks_n;

  // Several slabs share one pool dispatch (each packed into its own part of the buffer) as long
  // as the packed B stays under kMaxPackedBytes; tasks run slab by slab.
  const int64_t nslab = ceil_div(npan_all, npan_slab);
  const int64_t slabs_per_group = std::max<int64_t>(1, kMaxPackedBytes / (npan_slab * pan_bytes));
  for (int64_t s0 = 0; s0 < nslab; s0 += slabs_per_group) {
    const int64_t ns = std::min(slabs_per_group, nslab - s0);
    const int64_t pan_lo = s0 * npan_slab;
    const int64_t npan = std::min(npan_all, (s0 + ns) * npan_slab) - pan_lo;  // panels in this group
    const int64_t j0 = pan_lo * NR;
    T* bpack = static_cast<T*>(tl_pack_b.get((size_t)(npan * pan_bytes)));
    std::atomic<int>* flags = tl_flags.get((size_t)(nkb * npan));
    if (!bpack) throw std::bad_alloc();

    auto pack_panel = [&](int64_t kb, int64_t jp) {
      const int64_t k0 = kb * KC, kcb = std::min(KC, K - k0);
      const int64_t jj = j0 + jp * NR, n = std::min(NR, N - jj);
      kr.pack_b(bpack + (jp * nkb + kb) * KC * NR, b + k0 * b_rs + jj * b_cs, b_rs, b_cs, kcb, n);
    };
    // Claims and packs every still-unclaimed panel in [p_lo, p_hi) (all depth blocks).
    auto help_pack = [&](int64_t p_lo, int64_t p_hi) {
      for (int64_t jp = p_lo; jp < p_hi; ++jp)
        for (int64_t kb = 0; kb < nkb; ++kb) {
          std::atomic<int>& f = flags[jp * nkb + kb];
          int expect = 0;
          if (f.load(std::memory_order_relaxed) == 0 && f.compare_exchange_strong(expect, 1, std::memory_order_acquire)) {
            pack_panel(kb, jp);
            f.store(2, std::memory_order_release);
          }
        }
    };
    auto wait_panel = [&](int64_t kb, int64_t jp) {
      std::atomic<int>& f = flags[jp * nkb + kb];
      if (f.load(std::memory_order_acquire) == 2) return;
      int expect = 0;
      if (f.compare_exchange_strong(expect, 1, std::memory_order_acquire)) {
        pack_panel(kb, jp);
        f.store(2, std::memory_order_release);
        return;
      }
      while (f.load(std::memory_order_acquire) != 2) NR_SPIN_PAUSE();
    };

    auto run_task = [&](int64_t t) {
      const int64_t slab = t / tasks_slab, r = t % tasks_slab;
      const int64_t tm = r / tasks_n, tn = r % tasks_n;
      const int64_t i_lo = tm * rows_per, i_hi = std::min(M, i_lo + rows_per);
      const int64_t slab_hi = std::min(npan, (slab + 1) * npan_slab);
      const int64_t p_lo = slab * npan_slab + tn * pans_per, p_hi = std::min(slab_hi, p_lo + pans_per);
      if (p_lo >= p_hi) return;
      help_pack(p_lo, p_hi);
      const int64_t mc = std::min<int64_t>(round_up(mc_nom, MR), round_up(i_hi - i_lo, MR));
      T* apack = a_row_major ? nullptr : static_cast<T*>(tl_pack_a.get((size_t)(mc * KC) * sizeof(T) + 64));
      if (!a_row_major && !apack) {
        const int64_t jb = j0 + p_lo * NR, jn = std::min(N, j0 + p_hi * NR) - jb;
        naive_rows<T>(i_lo, i_hi, jn, K, alpha, a, a_rs, a_cs, b + jb * b_cs, b_rs, b_cs, beta, c + jb * c_cs, c_rs, c_cs,
                      bias ? bias + jb : nullptr);
        return;
      }
      for (int64_t kb = 0; kb < nkb; ++kb) {
        const int64_t k0 = kb * KC, kcb = std::min(KC, K - k0);
        const T beta_k = kb == 0 ? beta : T(1);
        for (int64_t ic = i_lo; ic < i_hi; ic += mc) {
          const int64_t mcb = std::min(mc, i_hi - ic);
          // Row-major A is read in place; other layouts are packed k-major, MR rows per panel.
          if (!a_row_major) {
            for (int64_t ir = 0; ir < mcb; ir += MR) {
              const int64_t m = std::min(MR, mcb - ir);
              kr.pack_a(apack + ir * kcb, a + (ic + ir) * a_rs + k0 * a_cs, a_rs, a_cs, m, kcb);
            }
          }
          // Row tiles outer, B panels inner: the A micro-panel stays in L1 while the slab's panels
          // stream from L2, and consecutive C tiles are neighbours in a row (prefetch friendly).
          for (int64_t ir = 0; ir < mcb; ir += MR) {
            const int64_t m = std::min(MR, mcb - ir);
            const T* ap = a_row_major ? a + (ic + ir) * a_rs + k0 : apack + ir * kcb;
            T* cr = c + (ic + ir) * c_rs;
            for (int64_t jp = p_lo; jp < p_hi; ++jp) {
              wait_panel(kb, jp);
              const int64_t jj = j0 + jp * NR, n = std::min(NR, N - jj);
              kr.micro(kcb, ap, a_row_major ? a_rs : 0, bpack + (jp * nkb + kb) * KC * NR, cr + jj * c_cs,
                       c_rs, c_cs, m, n, alpha, beta_k, kb == 0 && bias ? bias + jj : nullptr);
            }
          }
        }
      }
    };

    const int64_t ntasks = ns * tasks_slab;
    if (nt == 1 || ntasks == 1) {
      for (int64_t t = 0; t < ntasks; ++t) run_task(t);
    } else {
      // One pool job per thread; each pulls single tasks from a shared counter, in order, so the
      // load balances to the last task (the pool's own chunks would be several tasks wide).
      std::atomic<int64_t> next{0};
      parallel_for(std::min<int64_t>(nt, ntasks), 1, [&](int64_t, int64_t) {
        for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < ntasks;) run_task(t);
      });
    }
  }
  tl_pack_b.trim();
}

template void gemm_packed<float>(const GemmKernel<float>&, int64_t, int64_t, int64_t, float, const float*, int64_t, int64_t,
                                 const float*, int64_t, int64_t, float, float*, int64_t, int64_t, const float*, bool);
template void gemm_packed<double>(const GemmKernel<double>&, int64_t, int64_t, int64_t, double, const double*, int64_t, int64_t,
                                  const double*, int64_t, int64_t, double, double*, int64_t, int64_t, const double*, bool);

}  // namespace nr
