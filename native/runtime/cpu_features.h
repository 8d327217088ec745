// Runtime CPU feature detection and the active kernel level (ISA) that dispatch uses.
#pragma once

namespace nr {

// Kernel levels, lowest to highest. kRef is the scalar reference (the oracle) and is always available.
enum class Isa : int { kRef = 0, kBase = 1, kAvx2 = 2, kAvx512 = 3, kNeon = 4 };

struct CpuFeatures {
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false, avx512bf16 = false;
  bool neon = false;
};

const CpuFeatures& cpu_features();
Isa best_isa();            // the widest the CPU (and OS) supports
Isa active_isa();          // what dispatch uses now (NEURONA_ISA env or set_active_isa may lower it)
bool set_active_isa(Isa);  // false if the CPU lacks it
const char* isa_name(Isa);

}  // namespace nr
