// Standalone GEMM harness (not part of the addon): checks the fast kernels against gemm_ref on
// random strided shapes and times the BENCHMARKS.md shapes. Build and run: native/test/gemm_dev.sh
//   gemm_dev check            correctness sweep over every available ISA level
//   gemm_dev bench [threads]  GFLOP/s per shape for the active ISA (NEURONA_ISA to pick)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>
#include "nr/kernels/gemm.h"
#include "kernels/cpu/gemm_kernel.h"
#include "runtime/cpu_features.h"
#include "runtime/threadpool.h"

using namespace nr;

template <typename T>
static bool check_one(std::mt19937& rng, int64_t M, int64_t N, int64_t K, bool ta, bool tb, int cstride,
                      double alpha, double beta, int64_t batch, bool bcast, bool with_bias = false) {
  std::uniform_real_distribution<double> u(-1, 1);
  // A stored as (batch, M, K) or transposed (batch, K, M); B likewise.
  int64_t nbA = bcast ? 1 : batch;
  std::vector<T> A(nbA * M * K + 1), B(batch * K * N + 1), C(batch * M * N * cstride + 1), C2, bias(N + 1);
  for (auto& v : bias) v = (T)u(rng);
  for (auto& v : A) v = (T)u(rng);
  for (auto& v : B) v = (T)u(rng);
  for (auto& v : C) v = (T)u(rng);
  C2 = C;
  GemmParams p;
  p.dtype = sizeof(T) == 4 ? DType::f32 : DType::f64;
  p.M = M; p.N = N; p.K = K; p.alpha = alpha; p.beta = beta;
  p.nbatch = 1; p.batch[0] = batch;
  p.a = (const char*)A.data(); p.a_bs[0] = bcast ? 0 : M * K;
  if (ta) { p.a_rs = 1; p.a_cs = M; } else { p.a_rs = K; p.a_cs = 1; }
  p.b = (const char*)B.data(); p.b_bs[0] = K * N;
  if (tb) { p.b_rs = 1; p.b_cs = K; } else { p.b_rs = N; p.b_cs = 1; }
  p.c_bs[0] = M * N * cstride; p.c_rs = N * cstride; p.c_cs = cstride;
  if (with_bias) p.bias = (const char*)bias.data();
  p.c = (char*)C.data();
  gemm(p);
  p.c = (char*)C2.data();
  gemm_ref(p);
  double tol = sizeof(T) == 4 ? 1e-5 : 1e-12;
  for (size_t i = 0; i < C.size(); ++i) {
    double d = std::fabs((double)C[i] - (double)C2[i]);
    if (d > tol * (K + 1) * 2) {
      std::printf("MISMATCH %s M=%ld N=%ld K=%ld ta=%d tb=%d cs=%d a=%g b=%g batch=%ld bc=%d at %zu: %g vs %g\n",
                  sizeof(T) == 4 ? "f32" : "f64", (long)M, (long)N, (long)K, ta, tb, cstride, alpha, beta,
                  (long)batch, bcast, i, (double)C[i], (double)C2[i]);
      return false;
    }
  }
  return true;
}

static int check() {
  std::mt19937 rng(1);
  const Isa levels[] = {Isa::kBase, Isa::kAvx2, Isa::kAvx512};
  int fails = 0, n = 0;
  for (Isa isa : levels) {
    if (!set_active_isa(isa)) continue;
    std::printf("checking %s\n", isa_name(isa));
    const int64_t sizes[] = {1, 2, 5, 7, 13, 16, 17, 31, 64, 65, 100, 130};
    for (int64_t M : sizes)
      for (int64_t N : sizes) {
        int64_t K = sizes[(M * 7 + N * 3) % 12];
        bool ta = (M + N) % 2, tb = (M * N) % 3 == 0;
        int cs = (M + N) % 5 == 0 ? 2 : 1;
        double beta = (M % 3) == 0 ? 0.0 : (M % 3 == 1 ? 1.0 : -0.5);
        double alpha = N % 2 ? 1.0 : 1.5;
        fails += !check_one<float>(rng, M, N, K, ta, tb, cs, alpha, beta, 1 + (M % 2), M % 4 == 1, (M + 2 * N) % 3 == 0);
        fails += !check_one<double>(rng, M, N, K, tb, ta, cs, alpha, beta, 1 + (N % 2), N % 4 == 1, (M + N) % 3 == 1);
        n += 2;
      }
    // Bigger shapes across block boundaries, all layouts.
    for (int t = 0; t < 4; ++t) {
      fails += !check_one<float>(rng, 301, 259, 801, t & 1, t & 2, 1, 1.0, t == 3 ? 0.5 : 0.0, 1, false);
      fails += !check_one<double>(rng, 97, 130, 600, t & 1, t & 2, 1, 1.0, 0.0, 2, false);
      fails += !check_one<float>(rng, 128, 784, 256, t & 1, t & 2, 1, 1.0, 0.0, 1, false, t & 1);
      n += 3;
    }
    fails += !check_one<float>(rng, 5, 7, 0, false, false, 1, 1.0, 0.5, 2, false);
    fails += !check_one<float>(rng, 5, 7, 0, false, false, 1, 1.0, 0.0, 2, false);
    fails += !check_one<float>(rng, 3, 5, 100000, true, false, 1, 1.0, 0.5, 1, false, true);   // depth chunks
    fails += !check_one<float>(rng, 5, 7, 0, false, false, 1, 1.0, 0.5, 2, false, true);
  }
  // sgemm/dgemm entry points (used by other kernels), single-threaded and threaded, strided C.
  for (int threaded = 0; threaded < 2; ++threaded) {
    set_active_isa(best_isa());
    const int64_t M = 37, N = 53, K = 71;
    std::vector<float> A(M * K), B(K * N), C(M * N * 2, 0.5f), R(M * N * 2, 0.5f);
    for (size_t i = 0; i < A.size(); ++i) A[i] = (float)((i * 7) % 13) - 6;
    for (size_t i = 0; i < B.size(); ++i) B[i] = (float)((i * 5) % 11) - 5;
    sgemm(M, N, K, 2.f, A.data(), K, 1, B.data(), 1, K, 0.5f, C.data(), 2 * N, 2, threaded);
    set_active_isa(Isa::kRef);
    sgemm(M, N, K, 2.f, A.data(), K, 1, B.data(), 1, K, 0.5f, R.data(), 2 * N, 2, threaded);
    set_active_isa(best_isa());
    ++n;
    if (C != R) { ++fails; std::printf("MISMATCH sgemm threaded=%d\n", threaded); }
  }
  std::printf("%d/%d checks failed\n", fails, n);
  return fails ? 1 : 0;
}

static double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

static void bench_shape(const char* name, int64_t M, int64_t K, int64_t N, bool ta, bool tb) {
  std::vector<float> A(M * K), B(K * N), C(M * N);
  for (size_t i = 0; i < A.size(); ++i) A[i] = (float)((i * 37) % 101) * 0.01f;
  for (size_t i = 0; i < B.size(); ++i) B[i] = (float)((i * 17) % 89) * 0.01f;
  GemmParams p;
  p.M = M; p.N = N; p.K = K;
  p.a = (const char*)A.data(); p.b = (const char*)B.data(); p.c = (char*)C.data();
  if (ta) { p.a_rs = 1; p.a_cs = M; } else { p.a_rs = K; p.a_cs = 1; }
  if (tb) { p.b_rs = 1; p.b_cs = K; } else { p.b_rs = N; p.b_cs = 1; }
  p.c_rs = N; p.c_cs = 1;
  double flops = 2.0 * M * N * K;
  int reps = std::max(3, (int)(3e9 / flops));
  for (int i = 0; i < 2; ++i) gemm(p);
  std::vector<double> ts;
  for (int r = 0; r < 7; ++r) {
    double t0 = now();
    for (int i = 0; i < reps; ++i) gemm(p);
    ts.push_back((now() - t0) / reps);
  }
  std::sort(ts.begin(), ts.end());
  std::printf("%-14s %5ldx%5ldx%5ld  median %7.1f  best %7.1f GFLOP/s\n", name, (long)M, (long)K, (long)N,
              flops / ts[3] * 1e-9, flops / ts[0] * 1e-9);
}

// tune THREADS M K N ta tb cfg...: configs ("kc=384,mc=120,l2=640") run interleaved for
// many rounds; prints the best GFLOP/s of each (robust on a shared, noisy machine).
static int tune(int argc, char** argv) {
  set_num_threads(std::atoi(argv[2]));
  int64_t M = std::atol(argv[3]), K = std::atol(argv[4]), N = std::atol(argv[5]);
  bool ta = std::atoi(argv[6]), tb = std::atoi(argv[7]);
  std::vector<GemmTuning> cfgs;
  std::vector<std::string> names;
  for (int i = 8; i < argc; ++i) {
    GemmTuning t;
    std::string s = argv[i];
    names.push_back(s);
    size_t pos = 0;
    while (pos < s.size()) {
      size_t e = s.find(',', pos);
      if (e == std::string::npos) e = s.size();
      std::string kv = s.substr(pos, e - pos);
      size_t eq = kv.find('=');
      std::string k = kv.substr(0, eq);
      int v = std::atoi(kv.c_str() + eq + 1);
      if (k == "kc") t.kc = v; else if (k == "mc") t.mc = v;
      else if (k == "l2") t.l2kb = v;
      pos = e + 1;
    }
    cfgs.push_back(t);
  }
  std::vector<float> A(M * K), B(K * N), C(M * N);
  for (size_t i = 0; i < A.size(); ++i) A[i] = (float)((i * 37) % 101) * 0.01f;
  for (size_t i = 0; i < B.size(); ++i) B[i] = (float)((i * 17) % 89) * 0.01f;
  GemmParams p;
  p.M = M; p.N = N; p.K = K;
  p.a = (const char*)A.data(); p.b = (const char*)B.data(); p.c = (char*)C.data();
  if (ta) { p.a_rs = 1; p.a_cs = M; } else { p.a_rs = K; p.a_cs = 1; }
  if (tb) { p.b_rs = 1; p.b_cs = K; } else { p.b_rs = N; p.b_cs = 1; }
  p.c_rs = N; p.c_cs = 1;
  double flops = 2.0 * M * N * K;
  int reps = std::max(1, (int)(2e8 / flops));
  std::vector<double> best(cfgs.size(), 1e30);
  double t_end = now() + (argc > 0 ? 8.0 : 0);
  for (int r = 0; now() < t_end; ++r)
    for (size_t c = 0; c < cfgs.size(); ++c) {
      g_gemm_tuning = cfgs[c];
      gemm(p);
      double t0 = now();
      for (int i = 0; i < reps; ++i) gemm(p);
      best[c] = std::min(best[c], (now() - t0) / reps);
    }
  for (size_t c = 0; c < cfgs.size(); ++c) std::printf("%-40s %7.1f GFLOP/s\n", names[c].c_str(), flops / best[c] * 1e-9);
  return 0;
}

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "check";
  if (mode == "check") return check();
  if (mode == "tune") return tune(argc, argv);
  if (argc > 2) set_num_threads(std::atoi(argv[2]));
  if (const char* v = std::getenv("GEMM_KC")) g_gemm_tuning.kc = std::atoi(v);
  if (const char* v = std::getenv("GEMM_MC")) g_gemm_tuning.mc = std::atoi(v);
  if (const char* v = std::getenv("GEMM_L2KB")) g_gemm_tuning.l2kb = std::atoi(v);
  std::printf("isa %s, threads %d\n", isa_name(active_isa()), num_threads());
  std::string only = argc > 3 ? argv[3] : "";
  auto want = [&](const char* n) { return only.empty() || only.find(n) != std::string::npos; };
  if (want("256")) bench_shape("256^3", 256, 256, 256, false, false);
  if (want("512")) bench_shape("512^3", 512, 512, 512, false, false);
  if (want("1024")) bench_shape("1024^3", 1024, 1024, 1024, false, false);
  if (want("2048")) bench_shape("2048^3", 2048, 2048, 2048, false, false);
  if (want("mlp")) bench_shape("128x784x256", 128, 784, 256, false, false);
  if (want("dX")) bench_shape("dX G.Wt", 128, 256, 784, false, true);
  if (want("dW")) bench_shape("dW Xt.G", 784, 128, 256, true, false);
  return 0;
}
