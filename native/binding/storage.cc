// Tensor storage: a V8-owned ArrayBuffer (zero-copy: kernels work on its memory, JS reads it through
// TypedArrays). V8 owning the memory is what keeps code that never disposes in bounded memory:
// V8 counts ArrayBuffer memory towards its GC heuristics and frees an unreachable buffer's memory
// during GC itself. Memory behind napi_create_external_arraybuffer is only freed by its finalizer,
// which Node defers to the event loop (SetImmediate), so a synchronous loop that never yields kept
// every dropped tensor's memory until it returned (measured: +1 GB per 1000 dropped 1 MB tensors).
// For the same reason no per-buffer finalizer is attached: each would leave a ~300-byte record
// (and cost ~0.7 us) until the event loop turns. dispose() detaches the buffer, which releases the
// memory at once. The buffer comes from the JS ArrayBuffer constructor, not napi_create_arraybuffer,
// because a failed allocation there is a RangeError while v8::ArrayBuffer::New aborts the process.
// Memory is zero-filled (ArrayBuffer guarantees it; large blocks are lazily zeroed pages) and aligned
// as Node's array-buffer allocator aligns it (malloc: 16 bytes); kernels use unaligned loads.
#include "binding/binding.h"
#include "runtime/alloc.h"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nr {

namespace {
constexpr double kMaxBytes = 1ull << 46;  // 64 TiB: anything larger is a user error, not an OOM
}  // namespace

// alloc(bytes, zero) -> ArrayBuffer of exactly `bytes` zeroed bytes (`zero` is implied).
NR_BINDING(alloc) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(env, "alloc: expected a byte count");
  double req = info[0].As<Napi::Number>().DoubleValue();
  if (!(req >= 0) || req > kMaxBytes || req != (double)(uint64_t)req)
    throw_range(env, "alloc: cannot allocate " + std::to_string(req) + " bytes");
  Napi::Function ctor = env.Global().Get("ArrayBuffer").As<Napi::Function>();
  Napi::Value v;
  try {
    v = ctor.New({Napi::Number::New(env, req)});
  } catch (const Napi::Error&) {
    throw_range(env, "alloc: out of memory allocating " + std::to_string((uint64_t)req) + " bytes");
  }
  if (!v.IsArrayBuffer() || v.As<Napi::ArrayBuffer>().ByteLength() != (size_t)req)
    throw_error(env, "alloc: the ArrayBuffer constructor did not return a buffer of the requested size");
  host_bytes_add((int64_t)req);
  return v;
}

// free(arrayBuffer): detaches a buffer from alloc() (every TypedArray over it becomes empty), which
// releases its memory now. Freeing a detached buffer again is a no-op.
NR_BINDING(free) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) throw_type(env, "free: expected an ArrayBuffer");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  if (ab.IsDetached()) return env.Undefined();
  int64_t bytes = (int64_t)ab.ByteLength();
  ab.Detach();
  host_bytes_add(-bytes);
  return env.Undefined();
}

// hostBytesAdd(delta): the JS buffer cache moves a released block out of the count (-bytes) and
// back in when it reuses it (+bytes), so hostBytesInUse stays process-wide across worker threads.
NR_BINDING(hostBytesAdd) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(env, "hostBytesAdd: expected a byte count");
  double d = info[0].As<Napi::Number>().DoubleValue();
  if (!(d == d) || d != (double)(int64_t)d) throw_range(env, "hostBytesAdd: expected an integer");
  host_bytes_add((int64_t)d);
  return env.Undefined();
}

// Kept for the JS loader: storages are never external buffers now.
NR_BINDING(externalBuffers) { return Napi::Boolean::New(info.Env(), false); }

// Bytes in storages from alloc() not yet freed (dispose). Storages dropped without dispose() stay
// counted (their memory is reclaimed by the GC all the same), like tfjs's memory().numBytes.
NR_BINDING(hostBytesInUse) { return Napi::Number::New(info.Env(), (double)host_bytes_in_use()); }

// releaseFreeMemory() -> true if the C allocator was asked to return its free pages to the OS
// (glibc malloc_trim: freed blocks inside malloc arenas otherwise stay resident). Used by
// tools/soak.js so that RSS measures memory in use rather than allocator retention.
NR_BINDING(releaseFreeMemory) {
#if defined(__GLIBC__)
  malloc_trim(0);
  return Napi::Boolean::New(info.Env(), true);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

}  // namespace nr
