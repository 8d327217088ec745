// Host check of the sort and scan index math (no GPU needed; CI runs it through
// tools/cuda-host-checks.js): the __host__ __device__ helpers of cuda/sort_net.cuh driven on the CPU in
// the kernels' schedules (cuda/sort.cu, cuda/scan.cu) against std::stable_sort with the CPU's
// nan_last_less and a sequential scan:
//   1. sort keys: key order == nan_last_less order (and key equality == neither less) on specials
//      (NaNs of every sign/payload, +-0, +-inf, denormals, integer extremes) and random values;
//   2. the bitonic network: the shared-memory path (P <= 4096) and the chunked multi-pass path (longer
//      lines: chunk sort, global steps j >= 4096, per-chunk merges), each compare-exchange step's pairs
//      visited in a shuffled order (they are disjoint, as on the GPU), ascending and descending, with
//      ties and NaN, keep < n, (outer, n, inner) line addressing; every pair of a step must be disjoint;
//   3. the warp scan's chunk/lane split (kScanPer elements a lane, 32 lanes, carry across chunks),
//      forward and reverse, against a sequential scan (integers bit-exact, floats to 1e-12).
// Build: nvcc -std=c++17 -O2 -I cuda cuda/dev/sort_host_check.cu -o /tmp/sort_host_check && /tmp/sort_host_check
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>
#include "sort_net.cuh"

using namespace nrc::sortnet;
static int g_fail = 0;
#define EXPECT(c, ...) do { if (!(c)) { if (g_fail++ < 20) { printf("FAIL " __VA_ARGS__); printf("\n"); } } } while (0)

template <typename T> bool nan_last_less(T a, T b) {
  if constexpr (std::is_floating_point<T>::value) { if (a != a) return false; if (b != b) return true; }
  return a < b;
}

template <typename T> void check_keys(const std::vector<T>& v, const char* name) {
  int bad = 0;
  for (size_t i = 0; i < v.size(); i++)
    for (size_t j = 0; j < v.size(); j++) {
      uint64_t a = key_of(v[i]), b = key_of(v[j]);
      bool lt = nan_last_less(v[i], v[j]), gt = nan_last_less(v[j], v[i]);
      if ((a < b) != lt || (a > b) != gt) bad++;
      if ((sort_key(v[i], true) < sort_key(v[j], true)) != gt) bad++;
    }
  EXPECT(bad == 0, "keys %s: %d mismatches", name, bad);
  printf("PASS keys %s (%zu values, all pairs)\n", name, v.size());
}

std::mt19937_64 rng(12345);

template <typename T> std::vector<T> specials();
template <> std::vector<float> specials() {
  float inf = INFINITY, nan = NAN;
  std::vector<float> v = {0.f, -0.f, 1.f, -1.f, inf, -inf, nan, -nan, std::numeric_limits<float>::denorm_min(), -std::numeric_limits<float>::denorm_min(),
                          std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1e-30f, -1e-30f};
  uint32_t payload = 0x7F800123u, neg = 0xFFC00001u;
  float a, b; memcpy(&a, &payload, 4); memcpy(&b, &neg, 4);
  v.push_back(a); v.push_back(b);
  std::normal_distribution<float> d(0.f, 3.f);
  for (int i = 0; i < 300; i++) v.push_back(i % 3 ? d(rng) : std::round(d(rng)));
  return v;
}
template <> std::vector<double> specials() {
  std::vector<double> v = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, -NAN, 5e-324, -5e-324, 1.7e308, -1.7e308};
  uint64_t payload = 0x7FF0000000000123ull;
  double a; memcpy(&a, &payload, 8); v.push_back(a);
  std::normal_distribution<double> d(0.0, 3.0);
  for (int i = 0; i < 300; i++) v.push_back(i % 3 ? d(rng) : std::round(d(rng)));
  return v;
}
template <> std::vector<int32_t> specials() {
  std::vector<int32_t> v = {0, 1, -1, INT32_MAX, INT32_MIN, INT32_MIN + 1, INT32_MAX - 1};
  for (int i = 0; i < 300; i++) v.push_back((int32_t)rng());
  return v;
}
template <> std::vector<int64_t> specials() {
  std::vector<int64_t> v = {0, 1, -1, INT64_MAX, INT64_MIN, INT64_MIN + 1, INT64_MAX - 1};
  for (int i = 0; i < 300; i++) v.push_back((int64_t)rng());
  return v;
}
template <> std::vector<uint8_t> specials() {
  std::vector<uint8_t> v;
  for (int i = 0; i < 256; i++) v.push_back((uint8_t)i);
  return v;
}

// Runs the steps (k, j = jstart..jend) over `len` entries at global base, pairs in a shuffled order.
void steps(uint64_t* keys, uint32_t* idx, int64_t len, int64_t base, int64_t k, int64_t jstart, int64_t jend) {
  std::vector<int64_t> order((size_t)(len / 2));
  for (int64_t j = jstart; j >= jend; j >>= 1) {
    for (size_t t = 0; t < order.size(); t++) order[t] = (int64_t)t;
    std::shuffle(order.begin(), order.end(), rng);
    std::vector<char> seen((size_t)len, 0);
    for (int64_t t : order) {
      int64_t i = pair_low(t, j);
      EXPECT(i >= 0 && i + j < len && !seen[i] && !seen[i + j], "pair (%lld, %lld) of step k=%lld j=%lld out of range or not disjoint",
             (long long)i, (long long)(i + j), (long long)k, (long long)j);
      if (!(i >= 0 && i + j < len)) return;
      seen[i] = seen[i + j] = 1;
      compare_exchange(keys, idx, i, i + j, pair_up(base + i, k));
    }
  }
}

// The GPU schedule of nrc_sort for one line of n keys (already padded to P): shared or chunked path.
void network(std::vector<uint64_t>& keys, std::vector<uint32_t>& idx, int64_t P, int64_t C) {
  if (P <= C) {
    for (int64_t k = 2; k <= P; k <<= 1) steps(keys.data(), idx.data(), P, 0, k, k >> 1, 1);
    return;
  }
  for (int64_t base = 0; base < P; base += C)   // sort_chunks
    for (int64_t k = 2; k <= C; k <<= 1) steps(keys.data() + base, idx.data() + base, C, base, k, k >> 1, 1);
  for (int64_t k = 2 * C; k <= P; k <<= 1) {
    steps(keys.data(), idx.data(), P, 0, k, k >> 1, C);                                 // global_step, j >= C
    for (int64_t base = 0; base < P; base += C) steps(keys.data() + base, idx.data() + base, C, base, k, C >> 1, 1);  // merge_chunks
  }
}

template <typename T>
void check_sort(const char* name, int64_t outer, int64_t n, int64_t inner, int64_t keep, bool desc, int ties, int64_t C) {
  std::vector<T> x((size_t)(outer * n * inner));
  std::vector<T> pool = specials<T>();
  for (auto& v : x) v = pool[rng() % (ties ? std::min<size_t>(pool.size(), (size_t)ties) : pool.size())];
  int64_t bad = 0;
  for (int64_t r = 0; r < outer * inner; r++) {
    const int64_t P = pow2_at_least(n);
    std::vector<uint64_t> keys((size_t)P);
    std::vector<uint32_t> idx((size_t)P);
    for (int64_t j = 0; j < P; j++) { keys[j] = j < n ? sort_key(x[line_elem(r, j, n, inner)], desc) : kPadKey; idx[j] = (uint32_t)j; }
    network(keys, idx, P, C);
    std::vector<int64_t> pos((size_t)n);
    for (int64_t j = 0; j < n; j++) pos[j] = j;
    std::stable_sort(pos.begin(), pos.end(), [&](int64_t a, int64_t b) {
      T va = x[line_elem(r, a, n, inner)], vb = x[line_elem(r, b, n, inner)];
      return desc ? nan_last_less(vb, va) : nan_last_less(va, vb);
    });
    for (int64_t t = 0; t < keep; t++) if ((int64_t)idx[t] != pos[t]) bad++;
  }
  EXPECT(bad == 0, "sort %s outer %lld n %lld inner %lld keep %lld desc %d: %lld index mismatches", name, (long long)outer, (long long)n,
         (long long)inner, (long long)keep, (int)desc, (long long)bad);
  printf("%s sort %-7s (%lld, %lld, %lld) keep %lld %s chunk %lld%s\n", bad ? "FAIL" : "PASS", name, (long long)outer, (long long)n, (long long)inner,
         (long long)keep, desc ? "desc" : "asc ", (long long)C, ties ? " ties" : "");
}

// Warp scan of scan.cu on the host: lanes of 32 x kScanPer chunks, lane totals scanned, carry.
template <typename A, bool Prod> A comb(A a, A b) { return Prod ? a * b : a + b; }
template <typename A, bool Prod> void check_scan(const char* name, int64_t n, bool reverse) {
  std::vector<A> x((size_t)n), seq((size_t)n), par((size_t)n);
  std::uniform_int_distribution<int> d(-3, 3);
  for (auto& v : x) v = (A)(Prod ? (d(rng) == 0 ? 1 : d(rng)) : d(rng) * 1000003);
  A acc = Prod ? (A)1 : (A)0;
  for (int64_t s = 0; s < n; s++) { int64_t k = reverse ? n - 1 - s : s; acc = comb<A, Prod>(acc, x[k]); seq[k] = acc; }
  const A ident = Prod ? (A)1 : (A)0;
  A carry = ident;
  for (int64_t c = 0; c * 32 * kScanPer < n; ++c) {
    A v[32][kScanPer], run[32], incl[32];
    for (int lane = 0; lane < 32; lane++) {
      run[lane] = ident;
      for (int e = 0; e < kScanPer; e++) {
        int64_t q = scan_lane_begin(c, lane) + e;
        A a = q < n ? x[reverse ? n - 1 - q : q] : ident;
        run[lane] = comb<A, Prod>(run[lane], a);
        v[lane][e] = run[lane];
      }
      incl[lane] = run[lane];
    }
    for (int o = 1; o < 32; o <<= 1) {   // shuffle-up scan: all lanes read before any writes
      A prev[32];
      for (int l = 0; l < 32; l++) prev[l] = incl[l];
      for (int l = 0; l < 32; l++) if (l >= o) incl[l] = comb<A, Prod>(prev[l - o], prev[l]);
    }
    for (int lane = 0; lane < 32; lane++) {
      A pre = comb<A, Prod>(carry, lane ? incl[lane - 1] : ident);
      for (int e = 0; e < kScanPer; e++) {
        int64_t q = scan_lane_begin(c, lane) + e;
        if (q < n) par[reverse ? n - 1 - q : q] = comb<A, Prod>(pre, v[lane][e]);
      }
    }
    carry = comb<A, Prod>(carry, incl[31]);
  }
  int64_t bad = 0;
  for (int64_t i = 0; i < n; i++) {
    if constexpr (std::is_floating_point<A>::value) { if (std::fabs((double)par[i] - (double)seq[i]) > 1e-12 * (1 + std::fabs((double)seq[i]))) bad++; }
    else if (par[i] != seq[i]) bad++;
  }
  EXPECT(bad == 0, "scan %s n %lld reverse %d: %lld mismatches", name, (long long)n, (int)reverse, (long long)bad);
}

int main() {
  check_keys(specials<float>(), "float32");
  check_keys(specials<double>(), "float64");
  check_keys(specials<int32_t>(), "int32");
  check_keys(specials<int64_t>(), "int64");
  check_keys(specials<uint8_t>(), "uint8");
  // shared path (the kernel's chunk 4096) and the chunked path with the real chunk and with small chunks
  for (bool desc : {false, true}) {
    for (int64_t n : {1, 2, 3, 5, 31, 33, 100, 257, 1000, 4095, 4096}) {
      check_sort<float>("float32", 2, n, 1, n, desc, 0, kSmemRow);
      check_sort<float>("float32", 1, n, 3, std::max<int64_t>(1, n / 3), desc, 5, kSmemRow);
    }
    check_sort<double>("float64", 3, 77, 2, 77, desc, 7, kSmemRow);
    check_sort<int32_t>("int32", 2, 1234, 1, 1234, desc, 4, kSmemRow);
    check_sort<int64_t>("int64", 1, 999, 2, 10, desc, 0, kSmemRow);
    check_sort<uint8_t>("uint8", 2, 3000, 1, 3000, desc, 3, kSmemRow);
    check_sort<float>("float32", 1, 4097, 1, 4097, desc, 0, kSmemRow);
    check_sort<float>("float32", 1, 9000, 2, 9000, desc, 6, kSmemRow);
    check_sort<double>("float64", 1, 20000, 1, 50, desc, 0, kSmemRow);
    for (int64_t C : {4, 16, 64})
      for (int64_t n : {5, 17, 100, 300, 1025}) check_sort<int32_t>("int32", 2, n, 2, n, desc, 9, C);
  }
  for (bool rev : {false, true})
    for (int64_t n : {0, 1, 2, 31, 32, 127, 128, 129, 300, 1000, 4099}) {
      check_scan<long long, false>("int64 sum", n, rev);
      check_scan<long long, true>("int64 prod", n, rev);
      check_scan<unsigned long long, true>("uint64 prod", n, rev);
      check_scan<double, false>("double sum", n, rev);
    }
  printf("PASS scan chunk/lane split (int64 sum/prod bit-exact, double sum to 1e-12; 0..4099 elements, forward and reverse)\n");
  printf("sort_host_check: %s (%d failed)\n", g_fail ? "FAIL" : "ok", g_fail);
  return g_fail ? 1 : 0;
}
