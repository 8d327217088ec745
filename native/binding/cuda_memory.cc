// CUDA device memory for JS tensors: allocation through the library's caching allocator, a registry
// of live allocations (every device pointer JS passes back is looked up there, so a kernel is only
// ever launched on memory this addon handed out, and views are bounds-checked against it), host <->
// device copies, and an asynchronous readback (dataAsync) that copies on a worker thread so the
// event loop keeps running. Pointers travel to JS as numbers: user-space and device (UVA) addresses
// are below 2^48, exactly representable in a double.
#include "binding/cuda_common.h"
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace nr {

namespace {
std::mutex g_mu;
std::map<uintptr_t, size_t> g_live;  // base address -> bytes requested
uint64_t g_live_bytes = 0;
}  // namespace

const CudaApi* cuda_api_or_throw(Napi::Env env, const char* op) {
  const CudaApi* a = cuda_api();
  if (!a) throw_error(env, std::string(op) + ": CUDA is not available: " + cuda_status().reason);
  return a;
}

void cuda_check(Napi::Env env, const CudaApi* a, nrc_status s, const char* op) {
  if (s == NRC_OK) return;
  const char* m = a->nrc_last_error();
  Napi::Error e = Napi::Error::New(env, std::string(op) + ": " + (m && *m ? m : "CUDA error"));
  e.Set("code", Napi::String::New(env, s == NRC_ERR_OUT_OF_MEMORY ? "NEURONA_CUDA_OOM" : "NEURONA_CUDA_ERROR"));
  throw e;
}

nrc_view to_nrc_view(Napi::Env env, const View& v, const std::string& op) {
  nrc_view r{};
  r.ndim = v.ndim;
  r.offset = 0;
  for (int d = 0; d < v.ndim; ++d) {
    if (v.strides[d] < 0) throw_error(env, op + ": negative strides are not supported on cuda (view " + shape_str(v) + ")");
    r.shape[d] = v.shape[d];
    r.strides[d] = v.strides[d];
  }
  return r;
}

nrc_dtype nrc_dtype_of(DType t) {
  switch (t) {
    case DType::f32: return NRC_F32;
    case DType::f64: return NRC_F64;
    case DType::f16: return NRC_F16;
    case DType::bf16: return NRC_BF16;
    case DType::i32: return NRC_I32;
    case DType::i64: return NRC_I64;
    case DType::u8: return NRC_U8;
    case DType::b8: return NRC_BOOL;
  }
  return NRC_F32;
}

void cuda_need(Napi::Env env, bool ok, const char* op, const std::string& what) {
  if (!ok) throw_error(env, std::string(op) + ": " + what);
}

OptView opt_view(const Napi::CallbackInfo& info, ArgReader& r, size_t i, const char* op) {
  if (i < info.Length() && info[i].IsNumber() && info[i].As<Napi::Number>().DoubleValue() == 0) return {false, View()};
  return {true, r.view_in(cuda_buf(info, i, op))};
}

NormBwdViews norm_bwd_views(const Napi::CallbackInfo& info, ArgReader& r, int ndim, const char* op) {
  NormBwdViews v;
  v.dy = r.view_in(cuda_buf(info, 0, op));
  v.x = r.view_in(cuda_buf(info, 1, op));
  v.w = opt_view(info, r, 2, op);
  v.mean = r.view_in(cuda_buf(info, 3, op));
  v.rstd = r.view_in(cuda_buf(info, 4, op));
  v.dx = r.view_in(cuda_buf(info, 5, op));
  v.dw = r.view_in(cuda_buf(info, 6, op));
  v.db = r.view_in(cuda_buf(info, 7, op));
  const View &x = v.x, &dy = v.dy, &dx = v.dx;
  cuda_need(info.Env(), x.ndim == ndim && x.is_contiguous() && dy.is_contiguous() && dx.is_contiguous() && dy.dtype == x.dtype &&
                            dx.dtype == x.dtype && dy.numel == x.numel && dx.numel == x.numel,
            op, "dy, x and dx must be contiguous tensors of one dtype and shape");
  return v;
}

Buf cuda_buf(const Napi::CallbackInfo& info, size_t i, const char* op) {
  Napi::Env env = info.Env();
  if (i >= info.Length() || !info[i].IsNumber())
    throw_type(env, std::string(op) + ": expected a device storage as argument " + std::to_string(i));
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d > 0) || d >= 18446744073709551616.0 || d != (double)(uint64_t)d)
    throw_type(env, std::string(op) + ": bad device storage handle");
  uintptr_t p = (uintptr_t)(uint64_t)d;
  std::lock_guard<std::mutex> lk(g_mu);
  auto it = g_live.find(p);
  if (it == g_live.end()) throw_error(env, std::string(op) + ": device storage was disposed");
  return {reinterpret_cast<char*>(p), it->second};
}

// cudaAlloc(bytes) -> handle. The library trims its cache and retries once before reporting OOM;
// the JS side turns code NEURONA_CUDA_OOM into a CudaOutOfMemoryError.
NR_BINDING(cudaAlloc) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "cudaAlloc");
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(env, "cudaAlloc: expected a byte count");
  double req = info[0].As<Napi::Number>().DoubleValue();
  if (!(req >= 0) || req > (double)(1ull << 46) || req != (double)(uint64_t)req)
    throw_range(env, "cudaAlloc: cannot allocate " + std::to_string(req) + " bytes");
  void* p = nullptr;
  // every allocation gets a distinct non-null address, also for empty tensors
  cuda_check(env, a, a->nrc_malloc(&p, req < 256 ? 256 : (size_t)req), "cudaAlloc");
  if (!p || (uint64_t)(uintptr_t)p >= (1ull << 53)) {
    if (p) a->nrc_free(p);
    throw_error(env, "cudaAlloc: the device address does not fit a JS number");
  }
  {
    std::lock_guard<std::mutex> lk(g_mu);
    g_live[(uintptr_t)p] = (size_t)req;
    g_live_bytes += (uint64_t)req;
  }
  return Napi::Number::New(env, (double)(uintptr_t)p);
}

// cudaFree(handle): returns the block to the caching allocator (stream-ordered: kernels already
// queued on it finish first). Freeing an unknown or already freed handle is a no-op returning false.
NR_BINDING(cudaFree) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "cudaFree");
  if (info.Length() < 1 || !info[0].IsNumber()) throw_type(env, "cudaFree: expected a device storage");
  double d = info[0].As<Napi::Number>().DoubleValue();
  uintptr_t p = (d > 0 && d < 9007199254740992.0) ? (uintptr_t)(uint64_t)d : 0;
  {
    std::lock_guard<std::mutex> lk(g_mu);
    auto it = g_live.find(p);
    if (it == g_live.end()) return Napi::Boolean::New(env, false);
    g_live_bytes -= it->second;
    g_live.erase(it);
  }
  cuda_check(env, a, a->nrc_free(reinterpret_cast<void*>(p)), "cudaFree");
  return Napi::Boolean::New(env, true);
}

// cudaMemoryStats() -> {allocated: bytes in live tensor storages, inUse: bytes the allocator hands
// out (rounded up), reserved: bytes the caching pool holds from the driver}.
NR_BINDING(cudaMemoryStats) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "cudaMemoryStats");
  uint64_t in_use = 0, reserved = 0;
  cuda_check(env, a, a->nrc_memory_stats(&in_use, &reserved), "cudaMemoryStats");
  Napi::Object o = Napi::Object::New(env);
  {
    std::lock_guard<std::mutex> lk(g_mu);
    o.Set("allocated", (double)g_live_bytes);
  }
  o.Set("inUse", (double)in_use);
  o.Set("reserved", (double)reserved);
  return o;
}

NR_BINDING(cudaEmptyCache) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "emptyCache");
  cuda_check(env, a, a->nrc_empty_cache(), "emptyCache");
  return env.Undefined();
}

NR_BINDING(cudaSync) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "synchronize");
  cuda_check(env, a, a->nrc_sync(), "synchronize");
  return env.Undefined();
}

// cudaUpload(devHandle, hostArrayBuffer), args: view(dst on device), view(src in host buffer); both
// contiguous, same dtype and element count. Synchronous (the host buffer may be reused after).
NR_BINDING(cudaUpload) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "to");
  ArgReader r(info, "to");
  View dst = r.view_in(cuda_buf(info, 0, "to"));
  View src = r.view(1);
  if (dst.dtype != src.dtype || dst.numel != src.numel || !dst.is_contiguous() || !src.is_contiguous())
    throw_error(env, "to: host-to-device copy needs two contiguous views of one dtype and size, got " + shape_str(dst) +
                         " and " + shape_str(src));
  if (dst.numel) cuda_check(env, a, a->nrc_memcpy_h2d(dst.data, src.data, (size_t)(dst.numel * dtype_size(dst.dtype))), "to");
  return env.Undefined();
}

// cudaDownload(hostArrayBuffer, devHandle), args: view(dst in host buffer), view(src on device).
// Waits for the queued kernels (the stream is in order) and reports their errors.
NR_BINDING(cudaDownload) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "data");
  ArgReader r(info, "data");
  View dst = r.view(0);
  View src = r.view_in(cuda_buf(info, 1, "data"));
  if (dst.dtype != src.dtype || dst.numel != src.numel || !dst.is_contiguous() || !src.is_contiguous())
    throw_error(env, "data: device-to-host copy needs two contiguous views of one dtype and size, got " + shape_str(dst) +
                         " and " + shape_str(src));
  if (dst.numel) cuda_check(env, a, a->nrc_memcpy_d2h(dst.data, src.data, (size_t)(dst.numel * dtype_size(dst.dtype))), "data");
  cuda_check(env, a, a->nrc_sync(), "data");
  return env.Undefined();
}

namespace {
// Copies device memory into a fresh host block on a libuv worker thread; resolves with an
// ArrayBuffer that owns the block. The JS caller keeps the source storage alive until it settles.
class DownloadWorker : public Napi::AsyncWorker {
 public:
  DownloadWorker(Napi::Env env, const CudaApi* a, const char* src, size_t bytes)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), api_(a), src_(src), bytes_(bytes) {}
  ~DownloadWorker() override { std::free(host_); }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    host_ = static_cast<char*>(std::malloc(bytes_ ? bytes_ : 1));
    if (!host_) { SetError("dataAsync: out of host memory for " + std::to_string(bytes_) + " bytes"); return; }
    nrc_status s = api_->nrc_set_device(0);
    // the copy waits for the stream; no nrc_sync here: that would consume a device error flag raised by
    // another op, which the main thread's next readback must report
    if (s == NRC_OK && bytes_) s = api_->nrc_memcpy_d2h(host_, src_, bytes_);
    if (s != NRC_OK) SetError(std::string("dataAsync: ") + api_->nrc_last_error());
  }
  void OnOK() override {
    Napi::Env env = Env();
    // the ArrayBuffer constructor, not ArrayBuffer::New: a failed allocation is then a RangeError
    Napi::Value v;
    try {
      v = env.Global().Get("ArrayBuffer").As<Napi::Function>().New({Napi::Number::New(env, (double)bytes_)});
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
      return;
    }
    Napi::ArrayBuffer ab = v.As<Napi::ArrayBuffer>();
    if (bytes_) std::memcpy(ab.Data(), host_, bytes_);
    deferred_.Resolve(ab);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }
 private:
  Napi::Promise::Deferred deferred_;
  const CudaApi* api_;
  const char* src_;
  size_t bytes_;
  char* host_ = nullptr;
};
}  // namespace

// cudaDownloadAsync(devHandle), args: view(src, contiguous) -> Promise<ArrayBuffer> of its bytes.
NR_BINDING(cudaDownloadAsync) {
  Napi::Env env = info.Env();
  const CudaApi* a = cuda_api_or_throw(env, "dataAsync");
  ArgReader r(info, "dataAsync");
  View src = r.view_in(cuda_buf(info, 0, "dataAsync"));
  if (!src.is_contiguous()) throw_error(env, "dataAsync: the device view " + shape_str(src) + " is not contiguous");
  auto* w = new DownloadWorker(env, a, src.data, (size_t)(src.numel * dtype_size(src.dtype)));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace nr
