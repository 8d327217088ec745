// Moving tensors between worker_threads (nr.worker). A tensor's memory is one ArrayBuffer (its
// storage), so it can go through postMessage in the transfer list: the receiving thread gets the same
// memory without a copy, and the buffer is detached in the sender (the sender's views of it read as
// disposed). pack() describes a tensor as a plain message (buffer, dtype, shape, strides, offset) plus
// the transfer list; unpack() makes a tensor over the received buffer. { copy: true } sends a compact
// copy instead and leaves the sender's tensor alone. SharedArrayBuffer storage is not supported: kernels
// take plain ArrayBuffers only, so memory moves between threads, it is never shared by two at once.
import { Tensor, checkShape, fmtShape, isTensor } from './tensor';
import { Storage } from './storage';
import { DType, ITEMSIZE, checkDtype } from './dtype';

/** A tensor as a structured-clone-able message: its storage buffer and the view into it. */
export interface TensorMessage {
  /** Marks the object as a packed tensor (see {@link isPacked}). */
  readonly neuronaTensor: 1;
  /** The whole storage; with pack's default (move) it must be in the postMessage transfer list. */
  buffer: ArrayBuffer;
  dtype: DType;
  shape: number[];
  /** Element strides into buffer. */
  strides: number[];
  /** Element offset of the first element in buffer. */
  offset: number;
}

/** Options of {@link pack} and {@link send}. */
export interface PackOptions {
  /**
   * false (default): move the storage without copying it. Every view of that storage in the sending
   * thread (this tensor, its reshapes and slices, arrays from data()) is disposed by the transfer, and
   * the whole storage moves (a slice of a large tensor takes the large buffer along).
   * true: send a compact copy of this tensor's elements; the sender keeps its tensor.
   */
  copy?: boolean;
}

/** Anything with postMessage(value, transferList): a MessagePort, a Worker, worker_threads' parentPort. */
export interface MessageTarget {
  postMessage(value: unknown, transferList?: readonly ArrayBuffer[]): void;
}

/**
 * Describes t for postMessage. Returns the message and the buffers to transfer:
 * `port.postMessage(message, transfer)` hands the memory to the receiving thread without a copy, and
 * `unpack(message)` there gives a tensor with t's dtype, shape and values. The message may be a field
 * of a larger message (several packed tensors: concatenate their transfer lists).
 * Autograd state is not sent: the received tensor is a leaf that does not require grad.
 */
export function pack(t: Tensor, o: PackOptions = {}): { message: TensorMessage; transfer: ArrayBuffer[] } {
  if (!isTensor(t)) throw new TypeError(`pack: expected a tensor, got ${t === null ? 'null' : typeof t}`);
  t._check('pack');
  if (t.device !== 'cpu') throw new Error(`pack: only CPU tensors can be sent to another thread (got a ${t.device} tensor)`);
  let src = t;
  if (o.copy) {
    // a contiguous copy with a storage of exactly its elements, exempt from tidy(): it must survive
    // until postMessage moves it (after that, disposing it is a no-op on a detached buffer)
    src = Tensor.empty(t.shape, t.dtype, false, 'pack').copy_(t);
    src._kept = true;
  }
  const message: TensorMessage = {
    neuronaTensor: 1, buffer: src.storage.buf, dtype: src.dtype, shape: src.shape.slice(), strides: src.strides.slice(), offset: src.offset,
  };
  return { message, transfer: [src.storage.buf] };
}

/** True for objects made by {@link pack} (after a trip through postMessage too). */
export function isPacked(v: unknown): v is TensorMessage {
  return typeof v === 'object' && v !== null && (v as TensorMessage).neuronaTensor === 1;
}

/**
 * The tensor described by a message from {@link pack}, over the received buffer itself (no copy).
 * Validates the message: an ArrayBuffer, a known dtype, and a view that stays inside the buffer.
 * Unpack a message once (two tensors over one buffer would free it twice: the second reads as disposed).
 */
export function unpack(m: TensorMessage): Tensor {
  const op = 'unpack';
  if (!isPacked(m)) throw new TypeError(`${op}: expected a message made by nr.worker.pack, got ${m === null ? 'null' : typeof m}`);
  if (!(m.buffer instanceof ArrayBuffer)) {
    throw new TypeError(`${op}: the message's buffer is not an ArrayBuffer (SharedArrayBuffer storage is not supported)`);
  }
  const dtype = checkDtype(m.dtype, op);
  const shape = checkShape(m.shape, op);
  const strides = m.strides, offset = m.offset;
  if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every((s) => Number.isSafeInteger(s))) {
    throw new RangeError(`${op}: strides ${JSON.stringify(strides)} do not fit shape ${fmtShape(shape)}`);
  }
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`${op}: invalid offset ${offset}`);
  if (m.buffer.byteLength === 0 && !shape.includes(0)) {
    throw new Error(`${op}: the buffer is empty (detached): was it sent without its transfer list, or already moved on?`);
  }
  let lo = offset, hi = offset;
  if (!shape.includes(0)) {
    for (let d = 0; d < shape.length; d++) {
      const span = (shape[d] - 1) * strides[d];
      if (span < 0) lo += span; else hi += span;
    }
    const elems = m.buffer.byteLength / ITEMSIZE[dtype];
    if (lo < 0 || hi >= elems) {
      throw new RangeError(`${op}: a ${dtype} view of shape ${fmtShape(shape)}, strides ${fmtShape(strides)}, offset ${offset} reaches outside its ${m.buffer.byteLength}-byte buffer`);
    }
  }
  return new Tensor(new Storage(m.buffer, m.buffer.byteLength, 'cpu'), dtype, shape, strides.slice(), offset);
}

/** `target.postMessage(pack(t).message, pack(t).transfer)`: sends t to another thread (moved unless { copy: true }). */
export function send(target: MessageTarget, t: Tensor, o: PackOptions = {}): void {
  if (!target || typeof target.postMessage !== 'function') throw new TypeError('send: expected a MessagePort, Worker or parentPort as the target');
  const { message, transfer } = pack(t, o);
  target.postMessage(message, transfer);
}
