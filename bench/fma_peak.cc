// Measures the machine's FP32 FMA peak (GFLOP/s) per ISA, for 1 thread and for N threads.
// Each ISA's loop is compiled for that ISA only (target attributes) and run only if the CPU has it.
// Output: one JSON object on stdout, e.g. {"avx512":{"1":250.1,"2":498.7},"avx2":{...},"best":"avx512"}.
// Build: bench/build_fma_peak.sh (plain -O2, no -march flags).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

using Clock = std::chrono::steady_clock;

// Each loop iteration issues 12 independent FMA chains (enough to cover latency x throughput); the
// empty asm keeps the compiler from merging the identical chains.
#if defined(__x86_64__)
__attribute__((target("avx512f,fma"))) static double run_avx512(long iters) {
  __m512 a0 = _mm512_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0,
         a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i) {
#define F(r) r = _mm512_fmadd_ps(r, m, c);
    F(a0) F(a1) F(a2) F(a3) F(a4) F(a5) F(a6) F(a7) F(a8) F(a9) F(a10) F(a11)
#undef F
    __asm__ volatile("" : "+v"(a0), "+v"(a1), "+v"(a2), "+v"(a3), "+v"(a4), "+v"(a5), "+v"(a6), "+v"(a7),
                     "+v"(a8), "+v"(a9), "+v"(a10), "+v"(a11));
  }
  __m512 s = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)),
                           _mm512_add_ps(_mm512_add_ps(a4, a5), _mm512_add_ps(a6, a7)));
  s = _mm512_add_ps(s, _mm512_add_ps(_mm512_add_ps(a8, a9), _mm512_add_ps(a10, a11)));
  float out[16];
  _mm512_storeu_ps(out, s);
  return (double)out[0] * 1e-30 + (double)iters * 12 * 16 * 2;  // flops (value keeps the loop alive)
}

__attribute__((target("avx2,fma"))) static double run_avx2(long iters) {
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0,
         a8 = a0, a9 = a0, a10 = a0, a11 = a0;
  const __m256 m = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i) {
#define F(r) r = _mm256_fmadd_ps(r, m, c);
    F(a0) F(a1) F(a2) F(a3) F(a4) F(a5) F(a6) F(a7) F(a8) F(a9) F(a10) F(a11)
#undef F
    __asm__ volatile("" : "+x"(a0), "+x"(a1), "+x"(a2), "+x"(a3), "+x"(a4), "+x"(a5), "+x"(a6), "+x"(a7),
                     "+x"(a8), "+x"(a9), "+x"(a10), "+x"(a11));
  }
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)),
                           _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  float out[8];
  _mm256_storeu_ps(out, s);
  return (double)out[0] * 1e-30 + (double)iters * 12 * 8 * 2;
}
#endif

typedef double (*Loop)(long);

// GFLOP/s with `threads` threads each running `loop` for about `seconds`; best of `reps`.
static double measure(Loop loop, int threads, double seconds, int reps) {
  long iters = 1000000;
  // Calibrate on one thread so one run lasts about `seconds`.
  for (;;) {
    auto t0 = Clock::now();
    loop(iters);
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (dt > 0.02) { iters = (long)(iters * seconds / dt) + 1; break; }
    iters *= 4;
  }
  double best = 0;
  for (int r = 0; r < reps; ++r) {
    std::atomic<int> ready{0};
    std::atomic<bool> go{false};
    std::vector<double> flops(threads, 0.0);
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&, t] {
        ready.fetch_add(1);
        while (!go.load()) {}
        flops[t] = loop(iters);
      });
    while (ready.load() < threads) {}
    auto t0 = Clock::now();
    go.store(true);
    for (auto& th : ts) th.join();
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    double total = 0;
    for (double f : flops) total += f;
    double g = total / dt * 1e-9;
    if (g > best) best = g;
  }
  return best;
}

int main(int argc, char** argv) {
  int nthreads = (int)std::thread::hardware_concurrency();
  double seconds = 0.25;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) nthreads = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seconds") && i + 1 < argc) seconds = std::atof(argv[++i]);
  }
  if (nthreads < 1) nthreads = 1;
  std::string json = "{";
  const char* best = "none";
#if defined(__x86_64__)
  __builtin_cpu_init();
  struct { const char* name; bool ok; Loop fn; } isas[] = {
      {"avx512", (bool)__builtin_cpu_supports("avx512f"), run_avx512},
      {"avx2", __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"), run_avx2},
  };
  bool first = true;
  for (auto& isa : isas) {
    if (!isa.ok) continue;
    if (!strcmp(best, "none")) best = isa.name;
    double one = measure(isa.fn, 1, seconds, 3);
    double n = nthreads > 1 ? measure(isa.fn, nthreads, seconds, 3) : one;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s\"%s\":{\"1\":%.1f,\"%d\":%.1f}", first ? "" : ",", isa.name, one, nthreads, n);
    json += buf;
    first = false;
  }
  json += first ? "" : ",";
#endif
  json += std::string("\"best\":\"") + best + "\",\"threads\":" + std::to_string(nthreads) + "}";
  std::printf("%s\n", json.c_str());
  return 0;
}
