// Pooling kernels. Each output plane is independent: the reference runs planes in order on one
// thread, the fast path runs the same per-plane code across the thread pool (memory-bound work).
// x (planes, H, W) -> y (planes, P, Q); indices are flat positions in the H*W plane.
#include <cmath>
#include <cstring>
#include <limits>
#include "nr/kernels/dispatch.h"
#include "nr/kernels/pool.h"
#include "runtime/threadpool.h"

namespace nr {

namespace {

template <typename F>
void over_planes(int64_t planes, bool threaded, F&& f) {
  if (!threaded) { for (int64_t i = 0; i < planes; ++i) f(i); return; }
  parallel_for(planes, 1, [&](int64_t b, int64_t e) { for (int64_t i = b; i < e; ++i) f(i); });
}

template <typename T>
void maxf(const Pool2dShape& s, const T* x, T* y, int64_t* idx, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    const T* xp = x + pl * s.H * s.W;
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        T best = -std::numeric_limits<T>::infinity();
        int64_t bi = -1;
        for (int64_t r = 0; r < s.kh; ++r) {
          int64_t ih = p * s.sh - s.ph + r * s.dh;
          if (ih < 0 || ih >= s.H) continue;
          for (int64_t t = 0; t < s.kw; ++t) {
            int64_t iw = q * s.sw - s.pw + t * s.dw;
            if (iw < 0 || iw >= s.W) continue;
            T v = xp[ih * s.W + iw];
            if (bi < 0 || v > best || std::isnan(v)) { best = v; bi = ih * s.W + iw; if (std::isnan(v)) goto done; }
          }
        }
      done:
        y[(pl * s.P + p) * s.Q + q] = best;
        idx[(pl * s.P + p) * s.Q + q] = bi;
      }
  });
}

// 2x2 window, stride 2, no padding or dilation (LeNet/VGG/ResNet pools): the same result and argmax
// rule as maxf (first maximum in window order r0[2q], r0[2q+1], r1[2q], r1[2q+1]; the first NaN
// wins), computed in two branch-free passes the compiler vectorises: a vertical max over the row
// pair (ties keep the upper row), then a horizontal max over column pairs with an explicit
// window-order rank for ties.
template <typename T>
void maxf_2x2(const Pool2dShape& s, const T* x, T* y, int64_t* idx) {
  over_planes(s.planes, true, [&](int64_t pl) {
    const T* xp = x + pl * s.H * s.W;
    T* yp = y + pl * s.P * s.Q;
    int64_t* ip = idx + pl * s.P * s.Q;
    const int64_t W2 = 2 * s.Q;
    T vm[256];
    int32_t low[256];                                   // 1 when the lower row won column j
    for (int64_t p = 0; p < s.P; ++p) {
      const T* r0 = xp + 2 * p * s.W;
      const T* r1 = r0 + s.W;
      for (int64_t j0 = 0; j0 < W2; j0 += 256) {
        const int64_t jn = W2 - j0 < 256 ? W2 - j0 : 256;
        for (int64_t j = 0; j < jn; ++j) {
          const T a = r0[j0 + j], b = r1[j0 + j];
          const bool na = a != a, nb = b != b;
          const bool take = (nb & !na) | (!na & !nb & (b > a));
          vm[j] = take ? b : a;
          low[j] = take ? 1 : 0;
        }
        const int64_t q0 = j0 / 2;
        for (int64_t k = 0; k < jn / 2; ++k) {
          const T a = vm[2 * k], b = vm[2 * k + 1];
          const int32_t la = low[2 * k], lb = low[2 * k + 1];
          const int32_t ra = 2 * la, rb = 2 * lb + 1;     // window-order ranks
          const bool na = a != a, nb = b != b;
          const bool take = (nb & !na) | (nb & na & (rb < ra)) | (!na & !nb & ((b > a) | ((b == a) & (rb < ra))));
          const int64_t q = q0 + k;
          yp[p * s.Q + q] = take ? b : a;
          const int64_t row = take ? lb : la, col = 2 * q + (take ? 1 : 0);
          ip[p * s.Q + q] = (2 * p + row) * s.W + col;
        }
      }
    }
  });
}

template <typename T>
void maxb(const Pool2dShape& s, const T* gy, const int64_t* idx, T* gx, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    T* gp = gx + pl * s.H * s.W;
    std::memset(gp, 0, sizeof(T) * s.H * s.W);
    for (int64_t o = 0; o < s.P * s.Q; ++o) {
      int64_t i = idx[pl * s.P * s.Q + o];
      if (i >= 0 && i < s.H * s.W) gp[i] += gy[pl * s.P * s.Q + o];
    }
  });
}

// Window [h0,h1) x [w0,w1) and divisor of avg-pool output (p, q).
inline void avg_window(const Pool2dShape& s, int64_t p, int64_t q, int64_t* h0, int64_t* h1, int64_t* w0, int64_t* w1, int64_t* div) {
  int64_t hs = p * s.sh - s.ph, ws = q * s.sw - s.pw;
  int64_t he = std::min(hs + s.kh, s.H + s.ph), we = std::min(ws + s.kw, s.W + s.pw);
  int64_t pool = (he - hs) * (we - ws);
  *h0 = std::max<int64_t>(hs, 0); *w0 = std::max<int64_t>(ws, 0);
  *h1 = std::min(he, s.H); *w1 = std::min(we, s.W);
  *div = s.divisor ? s.divisor : s.count_include_pad ? pool : (*h1 - *h0) * (*w1 - *w0);
}

template <typename T>
void avgf(const Pool2dShape& s, const T* x, T* y, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    const T* xp = x + pl * s.H * s.W;
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0, h1, w0, w1, div;
        avg_window(s, p, q, &h0, &h1, &w0, &w1, &div);
        double acc = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) acc += (double)xp[ih * s.W + iw];
        y[(pl * s.P + p) * s.Q + q] = div > 0 ? (T)(acc / (double)div) : T(0);
      }
  });
}

template <typename T>
void avgb(const Pool2dShape& s, const T* gy, T* gx, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    T* gp = gx + pl * s.H * s.W;
    std::memset(gp, 0, sizeof(T) * s.H * s.W);
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0, h1, w0, w1, div;
        avg_window(s, p, q, &h0, &h1, &w0, &w1, &div);
        if (div <= 0) continue;
        T g = gy[(pl * s.P + p) * s.Q + q] / (T)div;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) gp[ih * s.W + iw] += g;
      }
  });
}

inline int64_t start_idx(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }
inline int64_t end_idx(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

template <typename T>
void adaf(const Pool2dShape& s, const T* x, T* y, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    const T* xp = x + pl * s.H * s.W;
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0 = start_idx(p, s.P, s.H), h1 = end_idx(p, s.P, s.H), w0 = start_idx(q, s.Q, s.W), w1 = end_idx(q, s.Q, s.W);
        double acc = 0;
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) acc += (double)xp[ih * s.W + iw];
        y[(pl * s.P + p) * s.Q + q] = (T)(acc / (double)((h1 - h0) * (w1 - w0)));
      }
  });
}

template <typename T>
void adab(const Pool2dShape& s, const T* gy, T* gx, bool th) {
  over_planes(s.planes, th, [&](int64_t pl) {
    T* gp = gx + pl * s.H * s.W;
    std::memset(gp, 0, sizeof(T) * s.H * s.W);
    for (int64_t p = 0; p < s.P; ++p)
      for (int64_t q = 0; q < s.Q; ++q) {
        int64_t h0 = start_idx(p, s.P, s.H), h1 = end_idx(p, s.P, s.H), w0 = start_idx(q, s.Q, s.W), w1 = end_idx(q, s.Q, s.W);
        T g = gy[(pl * s.P + p) * s.Q + q] / (T)((h1 - h0) * (w1 - w0));
        for (int64_t ih = h0; ih < h1; ++ih)
          for (int64_t iw = w0; iw < w1; ++iw) gp[ih * s.W + iw] += g;
      }
  });
}

}  // namespace

void max_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, const View& idx, bool th) {
  const bool k2 = s.kh == 2 && s.kw == 2 && s.sh == 2 && s.sw == 2 && s.ph == 0 && s.pw == 0 && s.dh == 1 && s.dw == 1;
  if (th && k2 && 2 * s.P <= s.H && 2 * s.Q <= s.W) {
    NR_DISPATCH_FLOAT(x.dtype, T, maxf_2x2<T>(s, x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>()));
    return;
  }
  NR_DISPATCH_FLOAT(x.dtype, T, maxf<T>(s, x.ptr<T>(), y.ptr<T>(), idx.ptr<int64_t>(), th));
}
void max_pool2d_backward(const Pool2dShape& s, const View& gy, const View& idx, const View& gx, bool th) {
  NR_DISPATCH_FLOAT(gy.dtype, T, maxb<T>(s, gy.ptr<T>(), idx.ptr<int64_t>(), gx.ptr<T>(), th));
}
void avg_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, bool th) {
  NR_DISPATCH_FLOAT(x.dtype, T, avgf<T>(s, x.ptr<T>(), y.ptr<T>(), th));
}
void avg_pool2d_backward(const Pool2dShape& s, const View& gy, const View& gx, bool th) {
  NR_DISPATCH_FLOAT(gy.dtype, T, avgb<T>(s, gy.ptr<T>(), gx.ptr<T>(), th));
}
void adaptive_avg_pool2d_forward(const Pool2dShape& s, const View& x, const View& y, bool th) {
  NR_DISPATCH_FLOAT(x.dtype, T, adaf<T>(s, x.ptr<T>(), y.ptr<T>(), th));
}
void adaptive_avg_pool2d_backward(const Pool2dShape& s, const View& gy, const View& gx, bool th) {
  NR_DISPATCH_FLOAT(gy.dtype, T, adab<T>(s, gy.ptr<T>(), gx.ptr<T>(), th));
}

}  // namespace nr
