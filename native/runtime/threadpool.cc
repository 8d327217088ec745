// Persistent thread pool: workers sleep on a condition variable, wake for a job, pull chunk
// indices from an atomic counter, and the caller works too. One job at a time process-wide.
#include "runtime/threadpool.h"
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>
#if defined(__linux__)
#include <sched.h>
#endif

namespace nr {
namespace {

struct Job {
  RangeFn* fn = nullptr;
  int64_t n = 0, chunk = 1, nchunks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
};

class Pool {
 public:
  explicit Pool(int n) { resize(n); }
  ~Pool() { stop(); }

  int size() const { return nthreads_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard<std::mutex> busy(run_mu_);
    stop();
    nthreads_ = std::max(1, n);
    quit_ = false;
    for (int i = 0; i < nthreads_.load() - 1; ++i) workers_.emplace_back([this] { loop(); });
  }

  // Returns false if another thread is running a job (caller then runs inline).
  bool run(int64_t n, int64_t grain, RangeFn& fn) {
    std::unique_lock<std::mutex> busy(run_mu_, std::try_to_lock);
    if (!busy.owns_lock()) return false;
    int64_t max_chunks = (int64_t)nthreads_.load() * 4;
    int64_t nchunks = std::min<int64_t>(max_chunks, (n + grain - 1) / grain);
    if (nchunks < 1) nchunks = 1;
    {
      // Workers still leaving the previous job hold `active_`; the job is rewritten only when
      // none is inside it, and under mu_, so a worker joins either the old job or the new one.
      std::unique_lock<std::mutex> lk(mu_);
      idle_cv_.wait(lk, [&] { return active_ == 0; });
      job_.fn = &fn;
      job_.n = n;
      job_.chunk = (n + nchunks - 1) / nchunks;
      job_.nchunks = (n + job_.chunk - 1) / job_.chunk;
      job_.next.store(0);
      job_.done.store(0);
      ++generation_;
    }
    cv_.notify_all();
    work();
    // Wait for the stragglers (spin briefly, then yield).
    int spins = 0;
    while (job_.done.load(std::memory_order_acquire) < job_.nchunks) {
      if (++spins > 2000) std::this_thread::yield();
    }
    return true;
  }

 private:
  void work() {
    for (;;) {
      int64_t c = job_.next.fetch_add(1, std::memory_order_relaxed);
      if (c >= job_.nchunks) break;
      int64_t b = c * job_.chunk, e = std::min(job_.n, b + job_.chunk);
      (*job_.fn)(b, e);
      job_.done.fetch_add(1, std::memory_order_release);
    }
  }

  void loop() {
    uint64_t seen = 0;
    for (;;) {
      {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait(lk, [&] { return quit_ || generation_ != seen; });
        if (quit_) return;
        seen = generation_;
        ++active_;
      }
      work();
      {
        std::lock_guard<std::mutex> lk(mu_);
        if (--active_ == 0) idle_cv_.notify_all();
      }
    }
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lk(mu_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) t.join();
    workers_.clear();
  }

  std::mutex run_mu_;  // one job at a time
  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  int active_ = 0;
  std::vector<std::thread> workers_;
  uint64_t generation_ = 0;
  bool quit_ = false;
  std::atomic<int> nthreads_{1};   // read without the lock by num_threads() on any thread
  Job job_;
};

int default_threads() {
  if (const char* env = std::getenv("NEURONA_NUM_THREADS")) {
    int v = std::atoi(env);
    if (v >= 1) return std::min(v, 1024);
  }
#if defined(__linux__)
  // The cores this process may run on (taskset, cpusets), not all the machine's cores.
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int c = CPU_COUNT(&set);
    if (c >= 1) return std::min(c, 1024);
  }
#endif
  unsigned hw = std::thread::hardware_concurrency();
  return hw ? (int)std::min(hw, 1024u) : 1;
}

Pool& pool() {
  // Intentionally leaked: worker threads must outlive every addon instance (worker_threads
  // may unload at any time), and joining threads during process exit can deadlock.
  static Pool* p = new Pool(default_threads());
  return *p;
}

}  // namespace

int num_threads() { return pool().size(); }
void set_num_threads(int n) { pool().resize(n); }

void parallel_for_impl(int64_t n, int64_t grain, RangeFn fn) {
  if (!pool().run(n, grain, fn)) fn(0, n);
}

}  // namespace nr
