// 64-byte aligned host allocation with a small header so a block can be freed either explicitly
// (dispose) or by its ArrayBuffer's finalizer (GC), whichever comes first, exactly once.
#pragma once
#include <cstddef>
#include <cstdint>

namespace nr {

constexpr size_t kAlign = 64;

// Returns the payload pointer (64-byte aligned) or nullptr if the allocation failed.
void* host_alloc(size_t bytes, bool zero);
// Frees a payload from host_alloc.
void host_free(void* payload);
// Bytes currently held by live host blocks and tensor storages (for memory tests).
int64_t host_bytes_in_use();
// Adds delta to that count (tensor storages are V8-owned buffers; binding/storage.cc accounts them).
void host_bytes_add(int64_t delta);

}  // namespace nr
