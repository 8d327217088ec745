// Tensor storage: native 64-byte aligned memory exposed to JS as an external ArrayBuffer (zero-copy),
// reported to V8 with napi_adjust_external_memory. dispose() detaches the ArrayBuffer and frees the
// memory at once; otherwise the ArrayBuffer's finalizer frees it when GC collects it. Where the
// runtime forbids external buffers, a V8-owned ArrayBuffer is used instead (still no copy on read).
#include <atomic>
#include <cstring>
#include "binding/binding.h"
#include "runtime/alloc.h"

namespace nr {

namespace {

// Shared between dispose and the finalizer so exactly one of them frees the payload.
struct Block {
  void* payload;
  size_t bytes;
  std::atomic<bool> freed{false};
};

void release(napi_env env, Block* b) {
  bool expected = false;
  if (b->freed.compare_exchange_strong(expected, true)) {
    host_free(b->payload);
    int64_t ignored;
    napi_adjust_external_memory(env, -(int64_t)b->bytes, &ignored);
  }
}

void finalize(napi_env env, void* /*data*/, void* hint) {
  Block* b = static_cast<Block*>(hint);
  release(env, b);
  delete b;
}

// Blocks by payload pointer are not needed: JS passes the ArrayBuffer to free(), and we keep the
// Block pointer in a slot before the payload (inside the allocator's 64-byte header, after size).
Block*& block_slot(void* payload) { return *reinterpret_cast<Block**>(static_cast<char*>(payload) - 16); }

// False once the runtime refused an external buffer; from then on V8 owns every new buffer.
std::atomic<bool> g_external_ok{true};

constexpr double kMaxBytes = 1ull << 46;  // 64 TiB: anything larger is a user error, not an OOM

}  // namespace

// alloc(bytes, zero) -> ArrayBuffer
NR_BINDING(alloc) {
  Napi::Env env = info.Env();
  double req = info[0].As<Napi::Number>().DoubleValue();
  bool zero = info.Length() > 1 && info[1].ToBoolean();
  if (!(req >= 0) || req > kMaxBytes || req != (double)(uint64_t)req)
    throw_range(env, "alloc: cannot allocate " + std::to_string(req) + " bytes");
  size_t bytes = (size_t)req;
  if (!g_external_ok.load()) {
    Napi::ArrayBuffer v8ab = Napi::ArrayBuffer::New(env, bytes);
    if (zero) std::memset(v8ab.Data(), 0, bytes);
    return v8ab;
  }
  void* p = host_alloc(bytes ? bytes : 1, zero);
  if (!p) throw_range(env, "alloc: out of memory allocating " + std::to_string(bytes) + " bytes");
  Block* b = new Block{p, bytes};
  block_slot(p) = b;
  napi_value ab;
  napi_status st = napi_create_external_arraybuffer(env, p, bytes, finalize, b, &ab);
  if (st != napi_ok) {
    // Runtime without external buffers (e.g. a V8 sandbox): let V8 own the memory (still zero-copy).
    g_external_ok.store(false);
    host_free(p);
    delete b;
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (pending) { napi_value e; napi_get_and_clear_last_exception(env, &e); }
    Napi::ArrayBuffer v8ab = Napi::ArrayBuffer::New(env, bytes);
    if (zero) std::memset(v8ab.Data(), 0, bytes);
    return v8ab;
  }
  int64_t ignored;
  napi_adjust_external_memory(env, (int64_t)bytes, &ignored);
  return Napi::Value(env, ab);
}

// free(arrayBuffer): detaches it (every TypedArray over it becomes empty) and frees native memory now.
NR_BINDING(free) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) throw_type(env, "free: expected an ArrayBuffer");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return env.Undefined();
  void* p = ab.Data();
  bool external = info.Length() > 1 && info[1].ToBoolean();
  ab.Detach();
  if (external && p) release(env, block_slot(p));
  return env.Undefined();
}

NR_BINDING(externalBuffers) { return Napi::Boolean::New(info.Env(), g_external_ok.load()); }

NR_BINDING(hostBytesInUse) { return Napi::Number::New(info.Env(), (double)host_bytes_in_use()); }

}  // namespace nr
