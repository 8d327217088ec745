// Storage: one allocation (a V8-owned ArrayBuffer that kernels read and write in place, see
// native/binding/storage.cc) shared by all tensor views of it, with a count of live views so
// dispose() frees the memory at the last one. Storages dropped without dispose() are reclaimed by the
// GC like any ArrayBuffer, also inside synchronous loops that never yield to the event loop.
//
// Buffer cache: memory released by dispose()/tidy() (blocks >= 64 KiB) is kept in a size-keyed pool
// and handed to the next allocation of the same size, so a training loop stops paying for fresh pages
// (page faults and kernel zeroing were 15-23% of a LeNet/GPT step). The released ArrayBuffer is still
// detached (moved with structuredClone's transfer, no copy), so a TypedArray the user kept from
// data() reads as empty instead of seeing the memory's next tenant. Bounded by setCacheLimit().
import { native } from './backend/native';

export type Device = 'cpu' | 'cuda';

/** True for the device names to() and creation accept: 'cpu', 'cuda' and 'cuda:0'. */
export function isDeviceName(s: unknown): boolean { return s === 'cpu' || s === 'cuda' || (typeof s === 'string' && /^cuda:\d+$/.test(s)); }

/** 'cpu', 'cuda' or 'cuda:0' as a Device; another index or name is an error naming op. */
export function parseDevice(d: unknown, op: string): Device {
  if (d === 'cpu' || d === 'cuda') return d;
  if (d === 'cuda:0') return 'cuda';
  if (typeof d === 'string' && /^cuda:\d+$/.test(d)) throw new RangeError(`${op}: device '${d}': neurona uses one GPU, 'cuda' (= 'cuda:0')`);
  throw new TypeError(`${op}: unknown device ${JSON.stringify(d)} (expected 'cpu' or 'cuda')`);
}

const POOL_MIN_BYTES = 64 * 1024;
// NEURONA_CACHE_LIMIT (bytes) overrides the default limit; 0 turns the cache off.
const envLimit = typeof process !== 'undefined' ? Number(process.env?.NEURONA_CACHE_LIMIT ?? NaN) : NaN;
let poolLimit = envLimit >= 0 ? envLimit : 256 * 1024 * 1024;
let pooledBytes = 0;
const pool = new Map<number, ArrayBuffer[]>();
// Debug aid (tests of the library itself): fill uninitialised allocations with 0xFF bytes (NaN)
// so a kernel that relies on zeroed output memory fails loudly.
const poison = typeof process !== 'undefined' && process.env?.NEURONA_POISON_EMPTY === '1';

function take(nbytes: number): ArrayBuffer | undefined {
  const list = pool.get(nbytes);
  if (!list || list.length === 0) return undefined;
  pooledBytes -= nbytes;
  native().hostBytesAdd(nbytes);
  return list.pop();
}

/** Bytes held by the buffer cache (released storages waiting for reuse). */
export function cachedBytes(): number { return pooledBytes; }

/** Frees every cached buffer now. */
export function emptyCache(): void {
  for (const list of pool.values()) {
    for (const b of list) { native().hostBytesAdd(b.byteLength); native().free(b, false); }
  }
  pool.clear();
  pooledBytes = 0;
}

/** Sets the most bytes the buffer cache may hold (0 disables it); trims the cache to fit. */
export function setCacheLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !(bytes >= 0) || !Number.isFinite(bytes)) {
    throw new RangeError(`setCacheLimit: expected a non-negative number of bytes, got ${String(bytes)}`);
  }
  poolLimit = bytes;
  if (pooledBytes > poolLimit) emptyCache();
}

/** The buffer cache's byte limit. */
export function cacheLimit(): number { return poolLimit; }

// CUDA storages dropped without dispose() give their device memory back when the GC collects them.
const deviceFinalizer = new FinalizationRegistry<number>((ptr) => {
  try { native().cudaFree(ptr); } catch { /* the library is gone at exit: nothing to free */ }
});
const NO_HOST_MEMORY = new ArrayBuffer(0);

export class Storage {
  /** Tensors (and autograd-saved aliases) that still use this storage. */
  refs = 0;
  /** Bumped by every in-place write (fill_, copy_, op_): autograd checks saved tensors against it. */
  version = 0;
  /** Device address handle (cuda storages; 0 for host memory and once freed). */
  ptr = 0;
  constructor(readonly buf: ArrayBuffer, readonly nbytes: number, readonly device: Device, readonly external = false) {}

  /**
   * nbytes of device memory from the CUDA caching allocator (contents unspecified). Host kernels must
   * never see it: `buf` of a device storage throws, naming what to do instead.
   */
  static allocCuda(nbytes: number): Storage {
    const ptr = native().cudaAlloc(nbytes) as number;
    const st = new Storage(NO_HOST_MEMORY, nbytes, 'cuda');
    st.ptr = ptr;
    Object.defineProperty(st, 'buf', {
      get(): never {
        throw new Error('neurona: this operation has no CUDA implementation yet and got a cuda tensor; ' +
          'move its inputs to the CPU with .to(\'cpu\') (nr.cuda.supportedOps() lists what runs on cuda)');
      },
    });
    deviceFinalizer.register(st, ptr, st);
    return st;
  }

  /** A storage of nbytes, zero-filled when `zero` (otherwise its content is unspecified). */
  static alloc(nbytes: number, zero = false): Storage {
    let buf = nbytes >= POOL_MIN_BYTES ? take(nbytes) : undefined;
    if (buf) {
      if (zero) new Uint8Array(buf).fill(0);
    } else {
      buf = native().alloc(nbytes, true) as ArrayBuffer;
    }
    if (poison && !zero) new Uint8Array(buf).fill(0xff);
    return new Storage(buf, nbytes, 'cpu');
  }

  /** True once the memory was freed (dispose of the last view). */
  get freed(): boolean {
    return this.device === 'cpu' ? this.buf.byteLength === 0 && this.nbytes > 0 : this.ptr === 0;
  }

  retain(): void { this.refs++; }

  release(): void {
    if (--this.refs !== 0) return;
    if (this.device !== 'cpu') {
      if (this.ptr) { deviceFinalizer.unregister(this); native().cudaFree(this.ptr); this.ptr = 0; }
      return;
    }
    const n = this.nbytes;
    if (!this.external && n >= POOL_MIN_BYTES && pooledBytes + n <= poolLimit && this.buf.byteLength === n) {
      // Move the memory into a fresh ArrayBuffer (no copy) and detach the user-visible one.
      const moved = structuredClone(this.buf, { transfer: [this.buf] });
      let list = pool.get(n);
      if (!list) pool.set(n, list = []);
      list.push(moved);
      pooledBytes += n;
      native().hostBytesAdd(-n);
      return;
    }
    native().free(this.buf, this.external);
  }
}
