// Host emulation of the flash attention tile loops (no GPU): the forward's query-block / key-tile walk
// with the online softmax and the backward's key-block / query-tile walk (pre-pass dsum, P from lse,
// dS, dK/dV accumulation, dQ accumulation), re-implemented on the CPU in float64 with the kernels' own
// rules from cuda/flash_tiles.cuh (tile ranges, tile-needs-check, visibility, causal offset, mask
// strides, lse -> log2 with +inf for empty rows). Checked against naive float64 attention and its
// gradients over odd shapes, causal offsets (top-left, bottom-right, arbitrary), key-padding and full
// masks with fully masked rows (which must give 0 output and 0 gradients, as the CPU kernel). It also
// asserts that every tile the kernels skip holds no visible element and every tile they process
// without checks has all elements visible. Built as CUDA by tools/cuda-host-checks.js; prints
// "flash_emu: ok (0 failed)".
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>
#include "flash_tiles.cuh"

using namespace nrc::flash;
using Vec = std::vector<double>;

namespace {

int g_failed = 0, g_cases = 0;

struct Case {
  int B, H, Nq, Nk, D;
  bool causal;
  int off;
  int mask_kind;  // 0 none, 1 key padding (B,1,1,Nk), 2 full (B,H,Nq,Nk)
};

struct Data {
  Vec q, k, v, dout;
  std::vector<float> mask;
  Mask m{nullptr, 0, 0, 0, 0};
};

double bias(const Case& c, const Data& d, int b, int h, int i, int j) {
  return d.m.p ? (double)d.m.p[mask_index(d.m, b, h, i, j)] : 0.0;
}

// Naive float64 reference: out, lse and the gradients from the full score matrix.
void naive(const Case& c, const Data& d, Vec& out, Vec& lse, Vec& dq, Vec& dk, Vec& dv) {
  const int D = c.D;
  const double scale = 1.0 / std::sqrt((double)D);
  out.assign((size_t)c.B * c.H * c.Nq * D, 0); lse.assign((size_t)c.B * c.H * c.Nq, 0);
  dq.assign(out.size(), 0); dk.assign((size_t)c.B * c.H * c.Nk * D, 0); dv.assign(dk.size(), 0);
  Vec p(c.Nk), dp(c.Nk);
  for (int b = 0; b < c.B; b++)
    for (int h = 0; h < c.H; h++) {
      const size_t bh = (size_t)b * c.H + h;
      for (int i = 0; i < c.Nq; i++) {
        double mx = -INFINITY;
        for (int j = 0; j < c.Nk; j++) {
          double s = -INFINITY;
          if (!(c.causal && j > i + c.off)) {
            s = 0;
            for (int e = 0; e < D; e++) s += d.q[(bh * c.Nq + i) * D + e] * d.k[(bh * c.Nk + j) * D + e];
            s = s * scale + bias(c, d, b, h, i, j);
          }
          p[j] = s;
          mx = std::max(mx, s);
        }
        double l = 0;
        for (int j = 0; j < c.Nk; j++) { p[j] = mx == -INFINITY ? 0 : std::exp(p[j] - mx); l += p[j]; }
        for (int j = 0; j < c.Nk; j++) p[j] = l > 0 ? p[j] / l : 0;
        lse[bh * c.Nq + i] = l > 0 ? mx + std::log(l) : -INFINITY;
        const double* go = &d.dout[(bh * c.Nq + i) * D];
        double rs = 0;
        for (int j = 0; j < c.Nk; j++) {
          double a = 0;
          for (int e = 0; e < D; e++) {
            out[(bh * c.Nq + i) * D + e] += p[j] * d.v[(bh * c.Nk + j) * D + e];
            dv[(bh * c.Nk + j) * D + e] += p[j] * go[e];
            a += go[e] * d.v[(bh * c.Nk + j) * D + e];
          }
          dp[j] = a;
          rs += p[j] * a;
        }
        for (int j = 0; j < c.Nk; j++) {
          double ds = p[j] * (dp[j] - rs) * scale;
          for (int e = 0; e < D; e++) {
            dq[(bh * c.Nq + i) * D + e] += ds * d.k[(bh * c.Nk + j) * D + e];
            dk[(bh * c.Nk + j) * D + e] += ds * d.q[(bh * c.Nq + i) * D + e];
          }
        }
      }
    }
}

void expect(bool ok, const char* what, const Case& c) {
  if (ok) return;
  if (g_failed < 20)
    printf("FAIL %s: B%d H%d Nq%d Nk%d causal%d off%d mask%d\n", what, c.B, c.H, c.Nq, c.Nk, c.causal, c.off, c.mask_kind);
  g_failed++;
}

double dot(const Vec& a, size_t ia, const Vec& b, size_t ib, int D) {
  double s = 0;
  for (int e = 0; e < D; e++) s += a[ia + e] * b[ib + e];
  return s;
}

// The forward kernel's walk: blocks of BR rows, 16-row m-tiles deciding the per-element checks,
// BC-key tiles, online softmax with the kernel's handling of -inf maxima.
void emu_fwd(const Case& c, const Data& d, int BR, int BC, bool has_mask, Vec& out, Vec& lse) {
  const int D = c.D;
  const double scale = 1.0 / std::sqrt((double)D);
  out.assign((size_t)c.B * c.H * c.Nq * D, -7); lse.assign((size_t)c.B * c.H * c.Nq, -7);
  for (int b = 0; b < c.B; b++)
    for (int h = 0; h < c.H; h++) {
      const size_t bh = (size_t)b * c.H + h;
      for (int q0 = 0; q0 < c.Nq; q0 += BR) {
        const int n_kt = fwd_key_tiles(q0, BR, BC, c.Nk, c.causal, c.off);
        for (int k0 = n_kt * BC; k0 < c.Nk; k0++)  // skipped keys: nobody in the block sees them
          for (int i = q0; i < std::min(q0 + BR, c.Nq); i++) expect(!visible(i, k0, c.Nq, c.Nk, c.causal, c.off), "fwd skipped a visible key", c);
        for (int i = q0; i < std::min(q0 + BR, c.Nq); i++) {
          const int mrow = q0 + ((i - q0) / 16) * 16;
          double m = -INFINITY, l = 0;
          Vec o(D, 0.0);
          for (int t = 0; t < n_kt; t++) {
            const int k0 = t * BC;
            const bool need = fwd_tile_needs_check(mrow, k0, BC, c.Nk, c.causal, c.off);
            Vec x(BC);
            double mx = -INFINITY;
            for (int jj = 0; jj < BC; jj++) {
              const int j = k0 + jj;
              double s = j < c.Nk ? dot(d.q, (bh * c.Nq + i) * D, d.k, (bh * c.Nk + j) * D, D) : 0.0;  // zero-filled rows
              if (need || has_mask) {
                if (j >= c.Nk || (c.causal && j > i + c.off)) s = -INFINITY;
                else s = s * scale + bias(c, d, b, h, i, j);
              } else {
                expect(visible(i, j, c.Nq, c.Nk, c.causal, c.off), "fwd unchecked tile has a hidden element", c);
                s *= scale;
              }
              x[jj] = s;
              mx = std::max(mx, s);
            }
            const double m_new = std::max(m, mx), mu = m_new == -INFINITY ? 0 : m_new;
            const double alpha = std::exp(m - mu);
            m = m_new;
            l *= alpha;
            for (auto& e : o) e *= alpha;
            for (int jj = 0; jj < BC; jj++) {
              const double pe = std::exp(x[jj] - mu);
              l += pe;
              if (pe != 0)
                for (int e = 0; e < D; e++) o[e] += pe * d.v[(bh * c.Nk + k0 + jj) * D + e];
            }
          }
          for (int e = 0; e < D; e++) out[(bh * c.Nq + i) * D + e] = l > 0 ? o[e] / l : 0;
          lse[bh * c.Nq + i] = l > 0 ? m + std::log(l) : -INFINITY;
        }
      }
    }
}

// The backward's walk: pre-pass, then per key tile of BC the query tiles [begin, end) of BR rows.
void emu_bwd(const Case& c, const Data& d, const Vec& out, const Vec& lse, int BR, int BC, bool has_mask, Vec& dq, Vec& dk, Vec& dv) {
  const int D = c.D;
  const double scale = 1.0 / std::sqrt((double)D);
  const size_t rows = (size_t)c.B * c.H * c.Nq;
  Vec dsum(rows), lse2(rows);
  for (size_t r = 0; r < rows; r++) {
    dsum[r] = dot(d.dout, r * D, out, r * D, D);
    const float l2f = lse_to_log2((float)lse[r]);
    lse2[r] = std::isinf(l2f) ? (double)l2f : lse[r] * 1.4426950408889634;  // the helper's rule, in double
  }
  dq.assign(rows * D, 0); dk.assign((size_t)c.B * c.H * c.Nk * D, -7); dv.assign(dk.size(), -7);
  for (int b = 0; b < c.B; b++)
    for (int h = 0; h < c.H; h++) {
      const size_t bh = (size_t)b * c.H + h;
      for (int k0 = 0; k0 < c.Nk; k0 += BC) {
        const int mb = bwd_query_begin(k0, BR, c.causal, c.off), me = bwd_query_end(c.Nq, BR);
        for (int i = 0; i < std::min(mb * BR, c.Nq); i++)
          for (int j = k0; j < std::min(k0 + BC, c.Nk); j++) expect(!visible(i, j, c.Nq, c.Nk, c.causal, c.off), "bwd skipped a visible tile", c);
        Vec akk((size_t)BC * D, 0), avv((size_t)BC * D, 0);
        for (int m = mb; m < me; m++) {
          const int q0 = m * BR;
          const bool check = has_mask || tile_needs_check(q0, BR, k0, BC, c.Nq, c.Nk, c.causal, c.off);
          for (int ii = 0; ii < BR; ii++)
            for (int jj = 0; jj < BC; jj++) {
              const int i = q0 + ii, j = k0 + jj;
              const bool vis = visible(i, j, c.Nq, c.Nk, c.causal, c.off);
              if (!check) expect(vis, "bwd unchecked tile has a hidden element", c);
              if (!vis) continue;  // checked: P = 0, dS = 0 (unchecked: already a failure)
              const double s = dot(d.q, (bh * c.Nq + i) * D, d.k, (bh * c.Nk + j) * D, D);
              const double x2 = (s * scale + bias(c, d, b, h, i, j)) * 1.4426950408889634;
              const double p = std::exp2(x2 - lse2[bh * c.Nq + i]);
              const double dpv = dot(d.dout, (bh * c.Nq + i) * D, d.v, (bh * c.Nk + j) * D, D);
              const double ds = p * (dpv - dsum[bh * c.Nq + i]);
              for (int e = 0; e < D; e++) {
                avv[(size_t)jj * D + e] += p * d.dout[(bh * c.Nq + i) * D + e];
                akk[(size_t)jj * D + e] += ds * d.q[(bh * c.Nq + i) * D + e];
                dq[(bh * c.Nq + i) * D + e] += ds * d.k[(bh * c.Nk + j) * D + e] * scale;
              }
            }
        }
        for (int jj = 0; jj < BC && k0 + jj < c.Nk; jj++)
          for (int e = 0; e < D; e++) {
            dk[(bh * c.Nk + k0 + jj) * D + e] = akk[(size_t)jj * D + e] * scale;
            dv[(bh * c.Nk + k0 + jj) * D + e] = avv[(size_t)jj * D + e];
          }
      }
    }
}

double rel_err(const Vec& a, const Vec& ref) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); i++) {
    if (std::isinf(ref[i]) && a[i] == ref[i]) continue;
    num += (a[i] - ref[i]) * (a[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  return std::sqrt(num / std::max(den, 1e-300));
}

void run(const Case& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd(0, 1);
  Data d;
  const int D = c.D;
  auto fill = [&](Vec& x, size_t n) { x.resize(n); for (auto& e : x) e = nd(rng); };
  fill(d.q, (size_t)c.B * c.H * c.Nq * D); fill(d.k, (size_t)c.B * c.H * c.Nk * D);
  fill(d.v, (size_t)c.B * c.H * c.Nk * D); fill(d.dout, (size_t)c.B * c.H * c.Nq * D);
  if (c.mask_kind == 1) {  // key padding: batch b keeps its first len_b keys; the last batch keeps none
    d.mask.assign((size_t)c.B * c.Nk, 0.f);
    for (int b = 0; b < c.B; b++) {
      int len = b == c.B - 1 && c.B > 1 ? 0 : std::max(1, c.Nk - 3 * b - 1);
      for (int j = len; j < c.Nk; j++) d.mask[(size_t)b * c.Nk + j] = -INFINITY;
    }
    d.m = {d.mask.data(), c.Nk, 0, 0, 1};
  } else if (c.mask_kind == 2) {  // full mask, random biases, some -inf, row 0 of (b0,h0) fully masked
    d.mask.resize((size_t)c.B * c.H * c.Nq * c.Nk);
    std::uniform_real_distribution<double> u(0, 1);
    for (auto& e : d.mask) e = u(rng) < 0.2 ? -INFINITY : (float)(2 * u(rng) - 1);
    for (int j = 0; j < c.Nk; j++) d.mask[j] = -INFINITY;
    d.m = {d.mask.data(), (int64_t)c.H * c.Nq * c.Nk, (int64_t)c.Nq * c.Nk, c.Nk, 1};
  }
  Vec out, lse, dq, dk, dv;
  naive(c, d, out, lse, dq, dk, dv);
  for (int BR : {64, 128}) {  // forward blocks: 4 warps x 16 or 32 rows
    Vec eo, el;
    emu_fwd(c, d, BR, 64, d.m.p != nullptr, eo, el);
    expect(rel_err(eo, out) < 1e-12, "forward output", c);
    bool lse_ok = true;
    for (size_t i = 0; i < el.size(); i++)
      lse_ok &= std::isinf(lse[i]) ? el[i] == lse[i] : std::fabs(el[i] - lse[i]) < 1e-10;
    expect(lse_ok, "forward lse", c);
    if (BR == 64) {
      Vec gq, gk, gv;
      emu_bwd(c, d, eo, el, 64, 64, d.m.p != nullptr, gq, gk, gv);
      expect(rel_err(gq, dq) < 1e-10, "dq", c);
      expect(rel_err(gk, dk) < 1e-10, "dk", c);
      expect(rel_err(gv, dv) < 1e-10, "dv", c);
    }
  }
  // rows with no visible key: output 0 and zero gradients (CPU kernel semantics)
  for (size_t r = 0; r < lse.size(); r++)
    if (lse[r] == -INFINITY)
      for (int e = 0; e < D; e++) expect(out[r * D + e] == 0 && dq[r * D + e] == 0, "fully masked row not zero", c);
  g_cases++;
}

}  // namespace

int main() {
  const int sizes[][2] = {{1, 1}, {7, 7}, {1, 200}, {200, 1}, {63, 65}, {64, 64}, {65, 63}, {130, 130}, {77, 200}, {200, 77}, {129, 257}};
  uint64_t seed = 1;
  for (auto& sz : sizes) {
    const int Nq = sz[0], Nk = sz[1];
    for (int mk = 0; mk < 3; mk++) {
      run({2, 2, Nq, Nk, 8, false, 0, mk}, seed++);
      run({2, 2, Nq, Nk, 8, true, 0, mk}, seed++);             // top-left (PyTorch SDPA)
      run({2, 1, Nq, Nk, 8, true, Nk - Nq, mk}, seed++);      // bottom-right (flash-attn)
      run({1, 2, Nq, Nk, 8, true, (Nq * 7) % 23 - 11, mk}, seed++);  // arbitrary offsets
    }
  }
  printf("flash_emu: %s (%d failed) over %d cases\n", g_failed ? "FAILED" : "ok", g_failed, g_cases);
  return g_failed ? 1 : 0;
}
