// CUDA backend status and memory: whether libneurona_cuda.so, an NVIDIA driver and a GPU are usable
// (and why not), the caching allocator's statistics, emptyCache and synchronize. The library is loaded
// lazily (dlopen) on the first call; CPU work never depends on it.
import { native } from './native';
import { requireCuda } from '../cuda/memory';
export { CudaOutOfMemoryError } from '../cuda/memory';
export { supportedOps, setAllowTf32 } from '../cuda/ops';

/** One CUDA device as the driver reports it. */
export interface CudaDevice {
  index: number;
  name: string;
  /** Compute capability, e.g. "9.0". */
  cc: string;
  /** Total device memory in bytes. */
  memory: number;
  multiprocessors: number;
}

/** What `nr.cuda.info()` returns. */
export interface CudaInfo {
  available: boolean;
  /** Why CUDA is unavailable (library, driver or device); empty when available. */
  reason: string;
  /** Path of the loaded libneurona_cuda.so, or null. */
  library: string | null;
  /** Paths searched for the library, in order (NEURONA_CUDA_LIB alone when set). */
  searched: string[];
  /** CUDA version the driver supports (e.g. 13000 for 13.0); 0 without a driver. */
  driverVersion: number;
  /** CUDA runtime version the library was built with; 0 when no library was loaded. */
  runtimeVersion: number;
  /** GPU architectures compiled into the library, e.g. "75;80;86;89;90a". */
  archs: string;
  devices: CudaDevice[];
}

/** True when the CUDA backend library, an NVIDIA driver and at least one supported GPU are present. */
export function isAvailable(): boolean {
  return native().cudaInfo().available;
}

/** Availability, the reason when unavailable, library/driver/runtime versions and the devices. */
export function info(): CudaInfo {
  const i = native().cudaInfo() as CudaInfo;
  return { ...i, searched: [...i.searched], devices: i.devices.map((d) => ({ ...d })) };
}

/** Number of usable CUDA devices (0 when CUDA is unavailable). */
export function deviceCount(): number {
  return native().cudaInfo().devices.length;
}

/** Bytes held by live cuda tensor storages (like torch.cuda.memory_allocated); 0 without CUDA. */
export function memoryAllocated(): number {
  return isAvailable() ? native().cudaMemoryStats().allocated : 0;
}

/** Bytes the caching allocator holds from the driver, in use or cached (torch.cuda.memory_reserved); 0 without CUDA. */
export function memoryReserved(): number {
  return isAvailable() ? native().cudaMemoryStats().reserved : 0;
}

/** Returns the allocator's cached, unused blocks to the driver (waits for queued GPU work first). */
export function emptyCache(): void {
  if (isAvailable()) native().cudaEmptyCache();
}

/** Waits for all queued GPU work and reports errors raised on the device (e.g. a bad index). */
export function synchronize(): void {
  requireCuda('synchronize');
  native().cudaSync();
}
