// Runtime controls: CPU features, kernel level (ISA) and thread count, native memory in use.
import { native } from './native';

export type KernelLevel = 'ref' | 'base' | 'avx2' | 'avx512' | 'neon';

/** CPU features, the widest kernel level the CPU supports, the active one and the thread count. */
export function cpuInfo() { return native().cpuInfo(); }

/** Selects the kernel level for all ops ('ref' = scalar reference kernels). False if unsupported. */
export function setKernelLevel(level: KernelLevel): boolean { return native().setIsa(level); }

/** Sets the number of threads kernels use (also NEURONA_NUM_THREADS at startup). */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected a positive integer, got ${n}`);
  native().setNumThreads(n);
}
export function getNumThreads(): number { return native().cpuInfo().threads; }

/**
 * Bytes held by tensor storages that were not disposed (like tfjs memory().numBytes). Storages dropped
 * without dispose() stay counted although the GC reclaims their memory; process.memoryUsage()
 * .arrayBuffers shows the memory actually held.
 */
export function hostBytesInUse(): number { return native().hostBytesInUse(); }

/**
 * The buffer cache: memory released by dispose()/tidy() in blocks of 64 KiB or more is kept (up to
 * cacheLimit(), 256 MiB by default) for the next allocation of the same size. cachedBytes() is what it
 * holds, emptyCache() frees it, setCacheLimit(0) turns it off.
 */
export { cachedBytes, emptyCache, setCacheLimit, cacheLimit } from '../storage';
