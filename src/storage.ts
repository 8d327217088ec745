// Storage: one allocation (a V8-owned ArrayBuffer that kernels read and write in place, see
// native/binding/storage.cc) shared by all tensor views of it, with a count of live views so
// dispose() frees the memory at the last one. Storages dropped without dispose() are reclaimed by the
// GC like any ArrayBuffer, also inside synchronous loops that never yield to the event loop.
import { native } from './backend/native';

export type Device = 'cpu' | 'cuda';

export class Storage {
  /** Tensors (and autograd-saved aliases) that still use this storage. */
  refs = 0;
  /** Bumped by every in-place write (fill_, copy_, op_): autograd checks saved tensors against it. */
  version = 0;
  constructor(readonly buf: ArrayBuffer, readonly nbytes: number, readonly device: Device, readonly external = false) {}

  /** A zero-filled storage of nbytes (`zero` is accepted for clarity; memory is always zeroed). */
  static alloc(nbytes: number, _zero = false): Storage {
    return new Storage(native().alloc(nbytes, true), nbytes, 'cpu');
  }

  /** True once the memory was freed (dispose of the last view). */
  get freed(): boolean { return this.buf.byteLength === 0 && this.nbytes > 0; }

  retain(): void { this.refs++; }

  release(): void {
    if (--this.refs === 0) native().free(this.buf, this.external);
  }
}
