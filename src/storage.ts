// Storage: one native allocation (an ArrayBuffer over 64-byte aligned native memory) shared by all
// tensor views of it, with a count of live views so dispose() frees memory at the last one.
import { native } from './backend/native';

export type Device = 'cpu' | 'cuda';

let externalOk: boolean | null = null;

export class Storage {
  /** Tensors (and autograd-saved aliases) that still use this storage. */
  refs = 0;
  constructor(readonly buf: ArrayBuffer, readonly nbytes: number, readonly device: Device, readonly external: boolean) {}

  static alloc(nbytes: number, zero = false): Storage {
    const n = native();
    const buf = n.alloc(nbytes, zero);
    // The runtime either allows external buffers or not; ask once. Without them V8 owns the memory.
    if (externalOk === null) externalOk = n.externalBuffers();
    return new Storage(buf, nbytes, 'cpu', externalOk);
  }

  /** True once the memory was freed (dispose of the last view). */
  get freed(): boolean { return this.buf.byteLength === 0 && this.nbytes > 0; }

  retain(): void { this.refs++; }

  release(): void {
    if (--this.refs === 0) native().free(this.buf, this.external);
  }
}
