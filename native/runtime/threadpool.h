// One persistent process-wide thread pool. parallel_for splits [0, n) into chunks run by the pool
// and the calling thread. NEURONA_NUM_THREADS overrides the size. Safe to call from several
// worker_threads: a caller that finds the pool busy runs its loop on its own thread.
#pragma once
#include <cstdint>
#include <utility>

namespace nr {

// Non-owning reference to a callable void(int64_t begin, int64_t end); no allocation.
class RangeFn {
 public:
  template <typename F>
  RangeFn(F& f) : obj_(&f), call_([](void* o, int64_t b, int64_t e) { (*static_cast<F*>(o))(b, e); }) {}
  void operator()(int64_t b, int64_t e) const { call_(obj_, b, e); }
 private:
  void* obj_;
  void (*call_)(void*, int64_t, int64_t);
};

int num_threads();                 // threads parallel_for may use (pool workers + caller)
void set_num_threads(int n);       // resizes the pool (n >= 1)

void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn);

// Calls fn(begin, end) over disjoint chunks covering [0, n). Chunks hold at least `grain` items;
// small loops run inline on the caller.
template <typename F>
inline void parallel_for(int64_t n, int64_t grain, F&& fn) {
  if (n <= 0) return;
  if (grain < 1) grain = 1;
  if (n <= grain || num_threads() <= 1) { fn((int64_t)0, n); return; }
  parallel_for_impl(n, grain, RangeFn(fn));
}

}  // namespace nr
