// Library runtime: last-error strings, driver/device classification (nrc_init), per-device stream
// and error flag, the caching stream-ordered allocator (the device's CUDA memory pool with an
// unlimited release threshold, so freed blocks are reused without cudaFree), copies and sync.
#include <mutex>
#include <unordered_map>
#include <cstring>
#include "common.cuh"

#ifndef NRC_BUILD_ARCHS
#define NRC_BUILD_ARCHS "unknown"
#endif

namespace nrc {

namespace {
thread_local std::string t_last_error;
std::mutex g_mu;
bool g_init_done = false;
nrc_status g_init_status = NRC_ERR_NOT_INITIALIZED;
std::string g_init_msg;

constexpr int kMaxDevices = 64;
struct DevState {
  bool ready = false;
  cudaStream_t stream = nullptr;
  int* flag = nullptr;
  DeviceProps props{};
  cudaMemPool_t pool = nullptr;
};
DevState g_dev[kMaxDevices];

std::mutex g_alloc_mu;
std::unordered_map<void*, size_t> g_sizes;  // live allocations -> bytes
uint64_t g_in_use = 0;

int current_device() {
  int d = 0;
  cudaGetDevice(&d);
  return d < 0 || d >= kMaxDevices ? 0 : d;
}

DevState& dev_state() {
  int d = current_device();
  DevState& s = g_dev[d];
  if (s.ready) return s;
  std::lock_guard<std::mutex> lk(g_mu);
  if (!s.ready) {
    cudaStreamCreateWithFlags(&s.stream, cudaStreamNonBlocking);
    cudaMalloc(&s.flag, sizeof(int));
    cudaMemset(s.flag, 0, sizeof(int));
    cudaDeviceProp p;
    cudaGetDeviceProperties(&p, d);
    s.props.cc = p.major * 10 + p.minor;
    s.props.sms = p.multiProcessorCount;
    s.props.smem_optin = (int)p.sharedMemPerBlockOptin;
    s.props.l2 = p.l2CacheSize;
    cudaDeviceGetDefaultMemPool(&s.pool, d);
    uint64_t threshold = UINT64_MAX;  // keep freed memory cached in the pool
    cudaMemPoolSetAttribute(s.pool, cudaMemPoolAttrReleaseThreshold, &threshold);
    s.ready = true;
  }
  return s;
}
}  // namespace

nrc_status set_error(nrc_status s, const std::string& msg) {
  t_last_error = msg;
  return s;
}

nrc_status cuda_error(cudaError_t e, const char* what) {
  cudaGetLastError();  // clear a sticky-free error so later calls are not blamed for it
  nrc_status s = e == cudaErrorMemoryAllocation ? NRC_ERR_OUT_OF_MEMORY : NRC_ERR_CUDA;
  return set_error(s, std::string(what) + ": " + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")");
}

nrc_status require_init() {
  if (g_init_done && g_init_status == NRC_OK) return NRC_OK;
  return set_error(NRC_ERR_NOT_INITIALIZED,
                   g_init_done ? "CUDA backend unavailable: " + g_init_msg : "nrc_init() has not been called");
}

cudaStream_t stream() { return dev_state().stream; }
int* device_error_flag() { return dev_state().flag; }
const DeviceProps& props() { return dev_state().props; }

const char* dtype_name(nrc_dtype dt) {
  switch (dt) {
    case NRC_F32: return "float32";
    case NRC_F16: return "float16";
    case NRC_BF16: return "bfloat16";
    case NRC_F64: return "float64";
    case NRC_I32: return "int32";
    case NRC_I64: return "int64";
    case NRC_U8: return "uint8";
    case NRC_BOOL: return "bool";
  }
  return "?";
}

nrc_status check_float_dtype(nrc_dtype dt, const char* fn) {
  if (dtype_ok(dt)) return NRC_OK;
  if (!dtype_valid(dt)) return set_error(NRC_ERR_INVALID_ARG, std::string(fn) + ": unknown dtype code " + std::to_string((int)dt));
  return set_error(NRC_ERR_UNSUPPORTED,
                   std::string(fn) + ": dtype " + dtype_name(dt) + " is not supported (float32, float16, bfloat16 only)");
}

static nrc_status classify_init(std::string& msg) {
  int drv = 0;
  cudaDriverGetVersion(&drv);
  if (drv == 0) {
    msg = "no NVIDIA driver found (libcuda.so.1 could not be loaded)";
    return NRC_ERR_NO_DRIVER;
  }
  char buf[512];
  if (drv / 1000 < CUDART_VERSION / 1000) {
    snprintf(buf, sizeof buf,
             "the NVIDIA driver is too old: it supports CUDA %d.%d, this library was built with CUDA %d.%d "
             "and needs a driver for CUDA %d.x or newer",
             drv / 1000, (drv % 1000) / 10, CUDART_VERSION / 1000, (CUDART_VERSION % 1000) / 10, CUDART_VERSION / 1000);
    msg = buf;
    return NRC_ERR_DRIVER_TOO_OLD;
  }
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e == cudaErrorInsufficientDriver) {
    cudaGetLastError();
    snprintf(buf, sizeof buf, "the NVIDIA driver (CUDA %d.%d) is too old for this library (CUDA %d.%d)",
             drv / 1000, (drv % 1000) / 10, CUDART_VERSION / 1000, (CUDART_VERSION % 1000) / 10);
    msg = buf;
    return NRC_ERR_DRIVER_TOO_OLD;
  }
  if (e == cudaErrorNoDevice || (e == cudaSuccess && n == 0)) {
    cudaGetLastError();
    msg = "the NVIDIA driver is loaded but reports no CUDA device";
    return NRC_ERR_NO_DEVICE;
  }
  if (e != cudaSuccess) {
    cudaGetLastError();
    msg = std::string("CUDA initialisation failed: ") + cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
    return NRC_ERR_CUDA;
  }
  int best = 0;
  std::string found;
  for (int i = 0; i < n; i++) {
    int ma = 0, mi = 0;
    cudaDeviceGetAttribute(&ma, cudaDevAttrComputeCapabilityMajor, i);
    cudaDeviceGetAttribute(&mi, cudaDevAttrComputeCapabilityMinor, i);
    best = ma * 10 + mi > best ? ma * 10 + mi : best;
    found += (found.empty() ? "" : ", ") + std::to_string(ma) + "." + std::to_string(mi);
  }
  if (best < 75) {
    msg = "no supported CUDA device: compute capability 7.5 or newer is needed, found " + found;
    return NRC_ERR_NO_DEVICE;
  }
  return NRC_OK;
}

}  // namespace nrc

using namespace nrc;

extern "C" {

int nrc_api_version(void) { return NRC_API_VERSION; }
int nrc_runtime_version(void) { return CUDART_VERSION; }
const char* nrc_build_archs(void) { return NRC_BUILD_ARCHS; }
const char* nrc_last_error(void) { return t_last_error.c_str(); }

nrc_status nrc_init(void) {
  std::lock_guard<std::mutex> lk(g_mu);
  if (!g_init_done) {
    g_init_status = classify_init(g_init_msg);
    g_init_done = true;
  }
  if (g_init_status != NRC_OK) return set_error(g_init_status, g_init_msg);
  return NRC_OK;
}

nrc_status nrc_driver_version(int* version) {
  NRC_ARG(version, "nrc_driver_version: null pointer");
  *version = 0;
  cudaDriverGetVersion(version);
  return NRC_OK;
}

nrc_status nrc_device_count(int* count) {
  NRC_ARG(count, "nrc_device_count: null pointer");
  *count = 0;
  NRC_INIT();
  NRC_CUDA(cudaGetDeviceCount(count), "cudaGetDeviceCount");
  return NRC_OK;
}

nrc_status nrc_device_get_info(int device, nrc_device_info* info) {
  NRC_ARG(info, "nrc_device_get_info: null pointer");
  NRC_INIT();
  int n = 0;
  NRC_CUDA(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
  NRC_ARG(device >= 0 && device < n, "nrc_device_get_info: device index out of range");
  cudaDeviceProp p;
  NRC_CUDA(cudaGetDeviceProperties(&p, device), "cudaGetDeviceProperties");
  memset(info, 0, sizeof *info);
  strncpy(info->name, p.name, sizeof info->name - 1);
  info->cc_major = p.major;
  info->cc_minor = p.minor;
  info->total_memory = p.totalGlobalMem;
  info->multiprocessors = p.multiProcessorCount;
  info->l2_bytes = p.l2CacheSize;
  info->smem_per_block_optin = (int)p.sharedMemPerBlockOptin;
  return NRC_OK;
}

nrc_status nrc_set_device(int device) {
  NRC_INIT();
  int n = 0;
  NRC_CUDA(cudaGetDeviceCount(&n), "cudaGetDeviceCount");
  NRC_ARG(device >= 0 && device < n && device < kMaxDevices, "nrc_set_device: device index out of range");
  NRC_CUDA(cudaSetDevice(device), "cudaSetDevice");
  return NRC_OK;
}

nrc_status nrc_malloc(void** ptr, size_t bytes) {
  NRC_ARG(ptr, "nrc_malloc: null pointer");
  *ptr = nullptr;
  NRC_INIT();
  DevState& s = dev_state();
  if (bytes == 0) bytes = 1;
  cudaError_t e = cudaMallocFromPoolAsync(ptr, bytes, s.pool, s.stream);
  if (e == cudaErrorMemoryAllocation) {
    // Cached blocks may be fragmented: give them back and retry once.
    cudaGetLastError();
    cudaStreamSynchronize(s.stream);
    cudaMemPoolTrimTo(s.pool, 0);
    e = cudaMallocFromPoolAsync(ptr, bytes, s.pool, s.stream);
  }
  if (e != cudaSuccess) {
    *ptr = nullptr;
    nrc_status st = cuda_error(e, "nrc_malloc");
    return set_error(st, "nrc_malloc: cannot allocate " + std::to_string(bytes) + " bytes on the GPU: " +
                             cudaGetErrorString(e));
  }
  std::lock_guard<std::mutex> lk(g_alloc_mu);
  g_sizes[*ptr] = bytes;
  g_in_use += bytes;
  return NRC_OK;
}

nrc_status nrc_free(void* ptr) {
  if (!ptr) return NRC_OK;
  NRC_INIT();
  {
    std::lock_guard<std::mutex> lk(g_alloc_mu);
    auto it = g_sizes.find(ptr);
    NRC_ARG(it != g_sizes.end(), "nrc_free: pointer was not allocated by nrc_malloc (or freed twice)");
    g_in_use -= it->second;
    g_sizes.erase(it);
  }
  NRC_CUDA(cudaFreeAsync(ptr, stream()), "nrc_free");
  return NRC_OK;
}

nrc_status nrc_memory_stats(uint64_t* in_use_bytes, uint64_t* reserved_bytes) {
  NRC_INIT();
  if (in_use_bytes) {
    std::lock_guard<std::mutex> lk(g_alloc_mu);
    *in_use_bytes = g_in_use;
  }
  if (reserved_bytes) {
    uint64_t r = 0;
    NRC_CUDA(cudaMemPoolGetAttribute(dev_state().pool, cudaMemPoolAttrReservedMemCurrent, &r), "memory stats");
    *reserved_bytes = r;
  }
  return NRC_OK;
}

nrc_status nrc_empty_cache(void) {
  NRC_INIT();
  DevState& s = dev_state();
  NRC_CUDA(cudaStreamSynchronize(s.stream), "nrc_empty_cache");
  NRC_CUDA(cudaMemPoolTrimTo(s.pool, 0), "nrc_empty_cache");
  return NRC_OK;
}

nrc_status nrc_memcpy_h2d(void* dst, const void* src, size_t bytes) {
  NRC_INIT();
  if (!bytes) return NRC_OK;
  NRC_ARG(dst && src, "nrc_memcpy_h2d: null pointer");
  NRC_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream()), "nrc_memcpy_h2d");
  NRC_CUDA(cudaStreamSynchronize(stream()), "nrc_memcpy_h2d");
  return NRC_OK;
}

nrc_status nrc_memcpy_d2h(void* dst, const void* src, size_t bytes) {
  NRC_INIT();
  if (!bytes) return NRC_OK;
  NRC_ARG(dst && src, "nrc_memcpy_d2h: null pointer");
  NRC_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream()), "nrc_memcpy_d2h");
  NRC_CUDA(cudaStreamSynchronize(stream()), "nrc_memcpy_d2h");
  return NRC_OK;
}

nrc_status nrc_memcpy_d2d(void* dst, const void* src, size_t bytes) {
  NRC_INIT();
  if (!bytes) return NRC_OK;
  NRC_ARG(dst && src, "nrc_memcpy_d2d: null pointer");
  NRC_CUDA(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream()), "nrc_memcpy_d2d");
  return NRC_OK;
}

nrc_status nrc_sync(void) {
  NRC_INIT();
  DevState& s = dev_state();
  NRC_CUDA(cudaStreamSynchronize(s.stream), "nrc_sync (an earlier kernel failed)");
  int flag = 0;
  NRC_CUDA(cudaMemcpy(&flag, s.flag, sizeof(int), cudaMemcpyDeviceToHost), "nrc_sync");
  if (flag) {
    NRC_CUDA(cudaMemset(s.flag, 0, sizeof(int)), "nrc_sync");
    std::string msg = "a kernel found invalid input:";
    if (flag & kFlagEmbeddingIndex) msg += " embedding index out of range [0, V);";
    if (flag & kFlagTargetIndex) msg += " cross-entropy/NLL target out of range [0, C) (and not the ignore index);";
    return set_error(NRC_ERR_DEVICE_ASSERT, msg);
  }
  return NRC_OK;
}

}  // extern "C"
