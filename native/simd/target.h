// Per-file ISA targeting. A file that includes this after defining NR_TARGET_ISA (avx2 | avx512)
// compiles its functions for that ISA only; dispatch calls them only on CPUs that have it.
// Rules for such files: put everything in a namespace of the ISA's name or an anonymous namespace,
// include only <immintrin.h>, <cstdint>, <cstddef>, <cmath>-free code and nr headers with plain
// inline functions, and use no std:: templates (an inline template instantiated here could be
// merged with a baseline copy by the linker and run on a CPU without the ISA).
#pragma once

#if defined(__x86_64__) || defined(_M_X64)
#define NR_X86 1
#if defined(__clang__)
#define NR_PRAGMA_AVX2 _Pragma("clang attribute push(__attribute__((target(\"avx2,fma,f16c\"))), apply_to = function)")
#define NR_PRAGMA_AVX512 _Pragma("clang attribute push(__attribute__((target(\"avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c\"))), apply_to = function)")
#define NR_PRAGMA_END _Pragma("clang attribute pop")
#else
#define NR_PRAGMA_AVX2 _Pragma("GCC push_options") _Pragma("GCC target(\"avx2,fma,f16c\")")
#define NR_PRAGMA_AVX512 _Pragma("GCC push_options") _Pragma("GCC target(\"avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c\")")
#define NR_PRAGMA_END _Pragma("GCC pop_options")
#endif
#else
#define NR_X86 0
#endif
