// cpuid/xgetbv probing (x86-64) and the process-wide active ISA used by kernel dispatch.
#include "runtime/cpu_features.h"
#include <atomic>
#include <cstdlib>
#include <cstring>
#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#endif

namespace nr {

static CpuFeatures probe() {
  CpuFeatures f;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (__get_cpuid(1, &a, &b, &c, &d)) {
    f.sse42 = c & (1u << 20);
    f.fma = c & (1u << 12);
    f.f16c = c & (1u << 29);
    bool osxsave = c & (1u << 27), avx = c & (1u << 28);
    unsigned xcr0_lo = 0, xcr0_hi = 0;
    if (osxsave) __asm__ volatile("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
    bool os_ymm = (xcr0_lo & 0x6) == 0x6, os_zmm = (xcr0_lo & 0xe6) == 0xe6;
    f.avx = avx && os_ymm;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
      f.avx2 = f.avx && (b & (1u << 5));
      f.avx512f = os_zmm && (b & (1u << 16));
      f.avx512dq = os_zmm && (b & (1u << 17));
      f.avx512bw = os_zmm && (b & (1u << 30));
      f.avx512vl = os_zmm && (b & (1u << 31));
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx512bf16 = f.avx512f && (a & (1u << 5));
    f.fma = f.fma && f.avx;
    f.f16c = f.f16c && f.avx;
  }
#elif defined(__aarch64__)
  f.neon = true;
#endif
  return f;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = probe();
  return f;
}

Isa best_isa() {
  const CpuFeatures& f = cpu_features();
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.fma && f.avx2) return Isa::kAvx512;
  if (f.avx2 && f.fma && f.f16c) return Isa::kAvx2;
  if (f.neon) return Isa::kNeon;
  return Isa::kBase;
}

static bool supported(Isa isa) {
  Isa best = best_isa();
  switch (isa) {
    case Isa::kRef: case Isa::kBase: return true;
    case Isa::kAvx2: return best == Isa::kAvx2 || best == Isa::kAvx512;
    case Isa::kAvx512: return best == Isa::kAvx512;
    case Isa::kNeon: return best == Isa::kNeon;
  }
  return false;
}

static Isa initial_isa() {
  const char* env = std::getenv("NEURONA_ISA");
  if (env) {
    const Isa all[] = {Isa::kRef, Isa::kBase, Isa::kAvx2, Isa::kAvx512, Isa::kNeon};
    for (Isa i : all)
      if (std::strcmp(env, isa_name(i)) == 0 && supported(i)) return i;
  }
  return best_isa();
}

static std::atomic<int> g_active{-1};

Isa active_isa() {
  int v = g_active.load(std::memory_order_relaxed);
  if (v < 0) { v = (int)initial_isa(); g_active.store(v); }
  return (Isa)v;
}

bool set_active_isa(Isa isa) {
  if (!supported(isa)) return false;
  g_active.store((int)isa);
  return true;
}

const char* isa_name(Isa i) {
  switch (i) {
    case Isa::kRef: return "ref"; case Isa::kBase: return "base"; case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512"; case Isa::kNeon: return "neon";
  }
  return "?";
}

}  // namespace nr
