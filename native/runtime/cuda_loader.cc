// dlopen-based loader of libneurona_cuda.so (see cuda_loader.h). Search order: $NEURONA_CUDA_LIB
// (exclusively, when set), the folder of the addon binary, <package>/prebuilds/<platform>-<arch>/,
// <package>/build-cuda/ (what `npm run build:cuda` produces).
#include "runtime/cuda_loader.h"
#include <cstdlib>
#include <mutex>
#if defined(__linux__)
#include <dlfcn.h>
#include <sys/stat.h>
#endif

namespace nr {

namespace {

CudaStatus g_status;
CudaApi g_api;
std::once_flag g_once;

#if defined(__linux__)

const char* kLibName = "libneurona_cuda.so";

std::string dir_of(const std::string& p) {
  size_t i = p.find_last_of('/');
  return i == std::string::npos ? "." : p.substr(0, i);
}

bool file_exists(const std::string& p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

const char* arch_name() {
#if defined(__x86_64__)
  return "x64";
#elif defined(__aarch64__)
  return "arm64";
#else
  return "unknown";
#endif
}

std::vector<std::string> candidates() {
  std::vector<std::string> c;
  if (const char* env = std::getenv("NEURONA_CUDA_LIB")) {
    if (*env) {
      c.push_back(env);
      return c;
    }
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&cuda_status), &info) && info.dli_fname) {
    std::string dir = dir_of(info.dli_fname);      // e.g. <pkg>/build/Release or <pkg>/prebuilds/linux-x64
    std::string pkg = dir_of(dir_of(dir));         // two levels up: the package root
    c.push_back(dir + "/" + kLibName);
    c.push_back(pkg + "/prebuilds/linux-" + arch_name() + "/" + kLibName);
    c.push_back(pkg + "/build-cuda/" + kLibName);
  }
  return c;
}

std::string driver_probe(int* version) {
  *version = 0;
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return std::string("no NVIDIA driver found: libcuda.so.1 could not be loaded (") + (e ? e : "unknown error") + ")";
  }
  using GetVersion = int (*)(int*);
  if (auto fn = reinterpret_cast<GetVersion>(dlsym(h, "cuDriverGetVersion"))) fn(version);
  // Left loaded on purpose: the CUDA runtime inside libneurona_cuda uses it next.
  return "";
}

void load() {
  CudaStatus& s = g_status;
  s.searched = candidates();
  bool explicit_path = std::getenv("NEURONA_CUDA_LIB") && *std::getenv("NEURONA_CUDA_LIB");
  void* lib = nullptr;
  std::string load_errors;
  for (const std::string& path : s.searched) {
    if (!explicit_path && !file_exists(path)) continue;
    lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib) {
      s.library = path;
      break;
    }
    const char* e = dlerror();
    load_errors += "\n  " + path + ": " + (e ? e : "dlopen failed");
  }
  if (!lib) {
    int drv = 0;
    std::string drv_msg = driver_probe(&drv);
    s.driver_version = drv;
    if (explicit_path) {
      s.reason = "NEURONA_CUDA_LIB is set but the CUDA backend library could not be loaded:" + load_errors;
    } else if (!load_errors.empty()) {
      s.reason = "the CUDA backend library was found but could not be loaded:" + load_errors;
    } else {
      s.reason = std::string("the CUDA backend library (") + kLibName + ") was not found; searched:";
      for (const std::string& p : s.searched) s.reason += "\n  " + p;
      s.reason += "\n  build it with `npm run build:cuda`, or set NEURONA_CUDA_LIB to its path";
    }
    s.reason += drv_msg.empty() ? "\n  (an NVIDIA driver is present)" : "\n  (and " + drv_msg + ")";
    return;
  }
#define NR_CUDA_RESOLVE(name)                                                        \
  g_api.name = reinterpret_cast<decltype(g_api.name)>(dlsym(lib, #name));            \
  if (!g_api.name) {                                                                 \
    s.reason = s.library + " is not a compatible neurona CUDA library (missing " #name ")"; \
    g_api = CudaApi();                                                               \
    return;                                                                          \
  }
  NR_CUDA_SYMBOLS(NR_CUDA_RESOLVE)
#undef NR_CUDA_RESOLVE
  if (g_api.nrc_api_version() != NRC_API_VERSION) {
    s.reason = s.library + " has C ABI version " + std::to_string(g_api.nrc_api_version()) + ", this addon needs " +
               std::to_string(NRC_API_VERSION) + " (rebuild it with `npm run build:cuda`)";
    g_api = CudaApi();
    return;
  }
  s.runtime_version = g_api.nrc_runtime_version();
  s.archs = g_api.nrc_build_archs();
  std::string drv_msg = driver_probe(&s.driver_version);
  if (!drv_msg.empty()) {
    s.reason = drv_msg;
    g_api = CudaApi();
    return;
  }
  if (g_api.nrc_init() != NRC_OK) {  // driver too old, no device, ...
    s.reason = g_api.nrc_last_error();
    g_api = CudaApi();
    return;
  }
  int n = 0;
  if (g_api.nrc_device_count(&n) != NRC_OK) {
    s.reason = std::string("cannot count CUDA devices: ") + g_api.nrc_last_error();
    g_api = CudaApi();
    return;
  }
  for (int i = 0; i < n; i++) {
    nrc_device_info d;
    if (g_api.nrc_device_get_info(i, &d) != NRC_OK) continue;
    CudaDeviceInfo x;
    x.name = d.name;
    x.cc_major = d.cc_major;
    x.cc_minor = d.cc_minor;
    x.memory = d.total_memory;
    x.multiprocessors = d.multiprocessors;
    s.devices.push_back(x);
  }
  s.available = true;
}

#else  // not Linux

void load() {
#if defined(__APPLE__)
  g_status.reason = "CUDA is not available on macOS";
#else
  g_status.reason = "the CUDA backend is only built for Linux so far";
#endif
}

#endif

}  // namespace

const CudaStatus& cuda_status() {
  std::call_once(g_once, [] {
    try {
      load();
    } catch (...) {
      g_status = CudaStatus();
      g_status.reason = "unexpected error while loading the CUDA backend";
    }
  });
  return g_status;
}

const CudaApi* cuda_api() { return cuda_status().available ? &g_api : nullptr; }

}  // namespace nr
