// CUDA tensor memory from JS: device storages (with OOM as a catchable CudaOutOfMemoryError), moves
// between host and device, device-side copies with dtype conversion and broadcasting, fills, and
// readback (synchronous data() and the event-loop-friendly dataAsync()).
import { native } from '../backend/native';
import { args } from '../backend/args';
import { Storage } from '../storage';
import { DType, ITEMSIZE } from '../dtype';
import { Tensor, Shape, contiguousStrides, numelOf, fmtShape } from '../tensor';

/** Thrown when the GPU has no memory left even after the allocator freed its cache and retried. */
export class CudaOutOfMemoryError extends Error {
  constructor(message: string) { super(message); this.name = 'CudaOutOfMemoryError'; }
}

let checkedAvailable = false;
/** Throws a clear error naming `op` when no usable GPU/driver/library is present. */
export function requireCuda(op: string): void {
  if (checkedAvailable) return;
  const i = native().cudaInfo();
  if (!i.available) throw new Error(`${op}: device 'cuda' is not available: ${i.reason}`);
  checkedAvailable = true;
}

/** A fresh contiguous cuda tensor (contents unspecified). */
export function emptyCuda(shape: Shape, dtype: DType, op: string): Tensor {
  requireCuda(op);
  const bytes = numelOf(shape) * ITEMSIZE[dtype];
  let st: Storage;
  try {
    st = Storage.allocCuda(bytes);
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === 'NEURONA_CUDA_OOM') {
      throw new CudaOutOfMemoryError(`${op}: out of GPU memory for a ${dtype} tensor of shape ${fmtShape(shape)} (${bytes} bytes): ${err.message}`);
    }
    throw err;
  }
  return new Tensor(st, dtype, shape.slice(), contiguousStrides(shape), 0);
}

/** Host -> device: a new cuda tensor with t's values (t is on the CPU, any layout). */
export function toCuda(t: Tensor, dtype: DType): Tensor {
  const src = t.dtype === dtype && t.isContiguous() ? t : t.to(dtype).contiguous();
  const out = emptyCuda(t.shape, dtype, 'to');
  try {
    args().view(out).view(src);
    native().cudaUpload(out.storage.ptr, src.storage.buf);
  } catch (e) { out.dispose(); throw e; } finally { if (src !== t) src.dispose(); }
  return out;
}

/** Device -> host: a new CPU tensor with t's values (t is on cuda, any layout). */
export function toHost(t: Tensor, dtype: DType): Tensor {
  const src = t.isContiguous() ? t : cudaClone(t, t.dtype);
  const host = Tensor.empty(t.shape, t.dtype, false, 'to');
  try {
    args().view(host).view(src);
    native().cudaDownload(host.storage.buf, src.storage.ptr);
  } catch (e) { host.dispose(); throw e; } finally { if (src !== t) src.dispose(); }
  if (dtype === t.dtype) return host;
  const r = host.to(dtype);
  host.dispose();
  return r;
}

/** dst[...] = src broadcast to dst's shape, converting dtype; both on cuda. */
export function cudaCopyInto(dst: Tensor, src: Tensor, srcStrides: readonly number[]): void {
  args().view(dst).view(src, dst.shape, srcStrides);
  native().cudaCopy(dst.storage.ptr, src.storage.ptr);
}

/** A contiguous cuda copy of a cuda tensor, converted to dtype. */
export function cudaClone(t: Tensor, dtype: DType): Tensor {
  const out = emptyCuda(t.shape, dtype, 'clone');
  try { cudaCopyInto(out, t, t.strides); } catch (e) { out.dispose(); throw e; }
  return out;
}

/** t itself when contiguous and of dtype, else a contiguous cuda copy in dtype (the caller disposes a copy). */
export function contiguousAs(t: Tensor, dtype: DType = t.dtype): Tensor {
  return t.dtype === dtype && t.isContiguous() ? t : cudaClone(t, dtype);
}

/** A zero-filled float32 cuda tensor (gradient accumulators of the layer kernels). */
export function zerosF32(shape: readonly number[], op: string): Tensor {
  const z = emptyCuda(shape, 'float32', op);
  cudaFill(z, 0);
  return z;
}

/**
 * A contiguous cuda tensor of `dtype` (and `shape`) with t's values, without autograd, that the caller
 * owns and disposes: a new handle on t's memory when no copy is needed, else a copy. Intermediate views
 * are released here, so nothing pins t's storage after the caller disposes the result.
 */
export function ownedContiguous(t: Tensor, dtype: DType = t.dtype, shape?: readonly number[]): Tensor {
  let v = t.detach();
  if (shape) {
    const r = v.reshape(shape as number[]);
    if (r !== v) { v.dispose(); v = r; }
  }
  if (v.dtype === dtype && v.isContiguous()) return v;
  const c = cudaClone(v, dtype);
  v.dispose();
  return c;
}

/**
 * Fills a cuda tensor (any layout) with a value: the library's fill kernel for contiguous float32/
 * float16/bfloat16 memory, the typed device fill (the CPU fill's conversion) for other contiguous
 * memory, else a filled one-element device tensor broadcast by a device copy. No host upload.
 */
export function cudaFill(t: Tensor, value: number): void {
  if ((t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16') && t.isContiguous()) {
    args().num(value).view(t);
    native().cudaFillFloat(t.storage.ptr);
    return;
  }
  const fillTyped = (d: Tensor) => { args().num(value).view(d); native().cudaFillValue(d.storage.ptr); };
  if (t.isContiguous()) { fillTyped(t); return; }
  const dev = emptyCuda([], t.dtype, 'fill_');
  try { fillTyped(dev); cudaCopyInto(t, dev, t.shape.map(() => 0)); } finally { dev.dispose(); }
}

/** The bytes of a contiguous cuda tensor, read on a worker thread after the queued kernels finish. */
export async function downloadAsync(t: Tensor): Promise<ArrayBuffer> {
  // a stream-ordered snapshot first: ops queued after this call cannot change what is read
  const snap = cudaClone(t, t.dtype);
  snap._kept = true;   // an enclosing tidy() must not free it while the copy is in flight
  try {
    args().view(snap);
    return await (native().cudaDownloadAsync(snap.storage.ptr) as Promise<ArrayBuffer>);
  } finally { snap.dispose(); }
}
