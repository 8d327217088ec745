// Aligned host allocator: payloads are 64-byte aligned; a process-wide counter tracks live bytes.
#include "runtime/alloc.h"
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

namespace nr {

static std::atomic<int64_t> g_bytes{0};

// Header stored in the 64 bytes before each payload.
struct Header { size_t bytes; };

void* host_alloc(size_t bytes, bool zero) {
  size_t total = bytes + kAlign;
  if (total < bytes) return nullptr;                    // overflow
  total = (total + kAlign - 1) / kAlign * kAlign;
  void* raw = std::aligned_alloc(kAlign, total);
  if (!raw) return nullptr;
  auto* h = static_cast<Header*>(raw);
  h->bytes = bytes;
  char* payload = static_cast<char*>(raw) + kAlign;
  if (zero) std::memset(payload, 0, bytes);
  g_bytes.fetch_add((int64_t)bytes, std::memory_order_relaxed);
  return payload;
}

void host_free(void* payload) {
  if (!payload) return;
  char* raw = static_cast<char*>(payload) - kAlign;
  g_bytes.fetch_sub((int64_t)reinterpret_cast<Header*>(raw)->bytes, std::memory_order_relaxed);
  std::free(raw);
}

int64_t host_bytes_in_use() { return g_bytes.load(std::memory_order_relaxed); }

void host_bytes_add(int64_t delta) { g_bytes.fetch_add(delta, std::memory_order_relaxed); }

}  // namespace nr
