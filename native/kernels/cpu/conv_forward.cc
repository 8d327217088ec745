// Fast 2-D convolution forward as an implicit GEMM per image and group:
//   y_g (Kg, PQ) = w_g (Kg, CgRS) · col (CgRS, PQ)  (+ bias_g per row)
// with the packed-GEMM microkernels of gemm_kernel.h, but no column buffer: the B panels are packed
// straight from the image (GemmKernel::pack_b_conv gathers the im2col rows, padding included).
// The weights are either packed once per call (k-major MR-row panels, shared by all threads) with
// the bias as a leading column against a row of ones in B (free, and y is written once), or, when
// there is little work per weight (N*P*Q small: batch-1 layers with big weights), read in place
// (row-major A, as the GEMM does) with each task first filling its part of y with the bias and
// the microkernels accumulating onto it. Work is split into tasks of
// (image, group, column chunk): a chunk is the panels whose depth block fits a core's L2
// (kr.slab_kib); each task packs its own panels into a per-thread buffer and runs every row tile
// of the weights over them, depth block by depth block. Threads pull tasks from a shared counter,
// so N = 1 and N = 8 split equally well.
// x (N, C, H, W), w (K, C/groups, R, S), y (N, K, P, Q), bias (K), all contiguous.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include "kernels/cpu/gemm_kernel.h"
#include "nr/kernels/conv.h"
#include "nr/kernels/dispatch.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// A grow-only, 64-byte aligned buffer of the calling thread, reused across calls: one slot of
// packed B panels (and input window) per worker, allocated here, so no allocation, and no
// exception, ever happens on a pool thread.
struct AlignedBuf {
  void* p = nullptr;
  size_t cap = 0;
  ~AlignedBuf() { std::free(p); }
  void* get(size_t bytes) {
    if (bytes > cap) {
      std::free(p);
      cap = (bytes + 4095) & ~size_t(4095);
      p = std::aligned_alloc(64, cap);
      if (!p) { cap = 0; throw std::bad_alloc(); }
    }
    return p;
  }
  // Drops buffers above 16 MiB after the call, so one huge convolution does not pin memory.
  void trim() {
    if (cap > (size_t(16) << 20)) { std::free(p); p = nullptr; cap = 0; }
  }
};
thread_local AlignedBuf tl_work;

// The weights are packed when there are at least this many output positions (N*P*Q) per depth
// element (Cg*R*S), else read in place. Measured (Zen 5, 1 thread): packing costs ~1 ns per
// weight; reading in place costs a bias pre-fill and a re-read of y, ~0.25 ns per output, and
// without a bias the two are within 2%. So N16 512->512 7x7 3x3 (784 positions, depth 4608) reads
// in place (23 ms vs 25.5), while (a) with bias packs (0.40 ms vs 0.53).
constexpr double kPackWeightsMinWork = 4;

// Packs w_g (Kg, CRS) (and bias_g) into k-major panels of MR rows over depth KD = CRS (+1), the
// bias first: panel ip, depth k, row i at dst[(ip*KD + k)*MR + i]; rows past Kg are zero.
template <typename T>
void pack_weights(const T* w, const T* bias, int64_t Kg, int64_t CRS, int64_t MR, T* dst) {
  const int64_t KD = CRS + (bias ? 1 : 0), mpan = ceil_div(Kg, MR);
  for (int64_t ip = 0; ip < mpan; ++ip) {
    T* d = dst + ip * KD * MR;
    const int64_t m = std::min(MR, Kg - ip * MR);
    for (int64_t k = 0; k < KD; ++k) {
      const int64_t t = k - (bias ? 1 : 0);
      for (int64_t i = 0; i < m; ++i) d[k * MR + i] = t < 0 ? bias[ip * MR + i] : w[(ip * MR + i) * CRS + t];
      for (int64_t i = m; i < MR; ++i) d[k * MR + i] = T(0);
    }
  }
}

template <typename T>
void fwd(const GemmKernel<T>& kr, const Conv2dShape& s, const T* x, const T* w, const T* bias, T* y) {
  const int64_t Cg = s.C / s.groups, Kg = s.K / s.groups, PQ = s.P * s.Q, CRS = Cg * s.R * s.S;
  const bool wpacked = (double)s.N * (double)PQ >= kPackWeightsMinWork * (double)CRS;
  const int64_t KD = CRS + (wpacked && bias ? 1 : 0);  // GEMM depth (the bias row when packed)
  const int64_t MR = kr.mr, NR = kr.nr;
  const int64_t mpan = ceil_div(Kg, MR), npan = ceil_div(PQ, NR);
  if (s.N <= 0 || Kg <= 0 || PQ <= 0) return;

  // Depth blocks of (nearly) equal size, a multiple of 8 (as in the GEMM driver).
  const int64_t nkb = ceil_div(KD, (int64_t)kr.kc);
  const int64_t KC = std::min<int64_t>((ceil_div(KD, nkb) + 7) / 8 * 8, KD);

  // Column chunks: as many panels as keep one depth block of them in L2, fewer when that leaves
  // too few tasks for the threads; chunks of one image are balanced.
  int nt = num_threads();
  const double flops = 2.0 * (double)s.N * (double)s.K * (double)PQ * (double)KD;
  if (flops < 2e6) nt = 1;
  const int64_t pan_bytes = KC * NR * (int64_t)sizeof(T);
  int64_t pp = std::max<int64_t>(1, std::min<int64_t>(npan, (int64_t)kr.slab_kib * 1024 / pan_bytes));
  const int64_t images = s.N * s.groups;
  if (nt > 1) {
    while (pp > 1 && images * ceil_div(npan, pp) < 4 * nt) pp = ceil_div(pp, 2);
  }
  const int64_t nchunk = ceil_div(npan, pp);
  pp = ceil_div(npan, nchunk);
  const int64_t ntasks = images * nchunk;
  const int64_t nslots = nt == 1 ? 1 : std::min<int64_t>(nt, ntasks);

  // A padded convolution reads a zero-padded copy of the input rows that a task's columns need
  // (its window: Cg x rows x Wp), so packing never clips; an unpadded one reads x in place.
  const bool padded = s.ph > 0 || s.pw > 0;
  const int64_t Wp = (s.Q - 1) * s.sw + (s.S - 1) * s.dw + 1;
  const int64_t rows_max = ((pp * NR - 1) / s.Q + 1) * s.sh + (s.R - 1) * s.dh + 1;
  const int64_t win_bytes = padded ? Cg * rows_max * Wp * (int64_t)sizeof(T) : 0;

  // Workspace: the packed weights (if packed; one copy per group, shared by every task), then a
  // slot per worker (packed B panels, then the window).
  const int64_t wg_elems = wpacked ? mpan * KD * MR : 0;
  const int64_t w_bytes = (s.groups * wg_elems * (int64_t)sizeof(T) + 4095) / 4096 * 4096;
  const int64_t b_bytes = (pp * pan_bytes + 63) / 64 * 64;
  const int64_t slot_bytes = (b_bytes + win_bytes + 4095) / 4096 * 4096;
  char* work = static_cast<char*>(tl_work.get((size_t)(w_bytes + nslots * slot_bytes)));
  T* wpack = reinterpret_cast<T*>(work);
  if (wpacked)
    for (int64_t g = 0; g < s.groups; ++g)
      pack_weights<T>(w + g * Kg * CRS, bias ? bias + g * Kg : nullptr, Kg, CRS, MR, wpack + g * wg_elems);

  auto run_task = [&](int64_t t, T* bp) {
    const int64_t img = t / nchunk, ch = t % nchunk;
    const int64_t n = img / s.groups, g = img % s.groups;
    const int64_t p_lo = ch * pp, p_hi = std::min(npan, p_lo + pp);
    const T* wg = wpacked ? wpack + g * wg_elems : w + g * Kg * CRS;  // packed, or (Kg, CRS) row-major
    T* yg = y + (n * s.K + g * Kg) * PQ;
    const T* xg = x + (n * s.C + g * Cg) * s.H * s.W;
    ConvB geo{xg, s.H * s.W, s.W, s.R, s.S, s.Q, s.sh, s.sw, s.dh, s.dw, 0, !padded, wpacked && bias};
    if (padded) {
      // Window rows i <-> input rows ih0 + i, columns t <-> input columns t - pw.
      const int64_t pa = p_lo * NR / s.Q, pb = (std::min(PQ, p_hi * NR) - 1) / s.Q;
      const int64_t rows = (pb - pa) * s.sh + (s.R - 1) * s.dh + 1, ih0 = pa * s.sh - s.ph;
      const int64_t t0 = std::min(s.pw, Wp), t1 = std::min(Wp, s.W + s.pw);  // columns inside x
      T* win = reinterpret_cast<T*>(reinterpret_cast<char*>(bp) + b_bytes);
      // Rows [i0, i1) of the window lie inside the image; when they span whole input rows
      // (no horizontal padding or cropping) a channel's part is one contiguous copy.
      const int64_t i0 = std::min(rows, std::max<int64_t>(0, -ih0)), i1 = std::max(i0, std::min(rows, s.H - ih0));
      const bool whole = t0 == 0 && t1 == Wp && Wp == s.W;
      for (int64_t c = 0; c < Cg; ++c) {
        T* wc = win + c * rows * Wp;
        std::memset(wc, 0, sizeof(T) * i0 * Wp);
        std::memset(wc + i1 * Wp, 0, sizeof(T) * (rows - i1) * Wp);
        const T* xc = xg + (c * s.H + ih0) * s.W;
        if (whole) {
          std::memcpy(wc + i0 * Wp, xc + i0 * s.W, sizeof(T) * (i1 - i0) * Wp);
          continue;
        }
        for (int64_t i = i0; i < i1; ++i) {
          T* d = wc + i * Wp;
          for (int64_t t = 0; t < t0; ++t) d[t] = T(0);
          std::memcpy(d + t0, xc + i * s.W + (t0 - s.pw), sizeof(T) * (t1 - t0));
          for (int64_t t = t1; t < Wp; ++t) d[t] = T(0);
        }
      }
      geo.x = win;
      geo.cs = rows * Wp;
      geo.rs = Wp;
      geo.p0 = pa;
    }
    const int64_t j_lo = p_lo * NR, j_hi = std::min(PQ, p_hi * NR);
    if (bias && !wpacked)
      for (int64_t i = 0; i < Kg; ++i) std::fill(yg + i * PQ + j_lo, yg + i * PQ + j_hi, bias[g * Kg + i]);
    for (int64_t kb = 0; kb < nkb; ++kb) {
      const int64_t k0 = kb * KC, kcb = std::min(KC, KD - k0);
      for (int64_t jp = p_lo; jp < p_hi; ++jp) {
        const int64_t j = jp * NR;
        kr.pack_b_conv(bp + (jp - p_lo) * kcb * NR, geo, k0, kcb, j, std::min(NR, PQ - j));
      }
      const T beta = kb == 0 && (wpacked || !bias) ? T(0) : T(1);
      for (int64_t ip = 0; ip < mpan; ++ip) {
        const int64_t m = std::min(MR, Kg - ip * MR);
        const T* ap = wpacked ? wg + (ip * KD + k0) * MR : wg + ip * MR * CRS + k0;
        T* yr = yg + ip * MR * PQ;
        for (int64_t jp = p_lo; jp < p_hi; ++jp) {
          const int64_t j = jp * NR;
          kr.micro(kcb, ap, wpacked ? 0 : CRS, bp + (jp - p_lo) * kcb * NR, yr + j, PQ, 1, m, std::min(NR, PQ - j), T(1), beta, nullptr);
        }
      }
    }
  };

  auto slot = [&](int64_t i) { return reinterpret_cast<T*>(work + w_bytes + i * slot_bytes); };
  if (nslots == 1) {
    for (int64_t t = 0; t < ntasks; ++t) run_task(t, slot(0));
  } else {
    // One pool job per slot; each pulls tasks in order from a shared counter (a thread that
    // wakes late, or is descheduled on a busy machine, simply takes fewer).
    std::atomic<int64_t> next{0}, slots{0};
    parallel_for(nslots, 1, [&](int64_t, int64_t) {
      T* bp = slot(slots.fetch_add(1, std::memory_order_relaxed));
      for (int64_t t; (t = next.fetch_add(1, std::memory_order_relaxed)) < ntasks;) run_task(t, bp);
    });
  }
  tl_work.trim();
}

}  // namespace

void conv2d_forward(const Conv2dShape& s, const View& x, const View& w, const View* bias, const View& y) {
  const Isa isa = active_isa();
  if (isa == Isa::kRef) return conv2d_forward_ref(s, x, w, bias, y);
  NR_DISPATCH_FLOAT(x.dtype, T, fwd<T>(gemm_kernel_for<T>(isa), s, x.ptr<T>(), w.ptr<T>(), bias ? bias->ptr<T>() : nullptr, y.ptr<T>()));
}

}  // namespace nr
