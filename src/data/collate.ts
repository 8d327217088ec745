// defaultCollate (torch.utils.data.default_collate): turns a list of samples into a batch by
// stacking tensors, turning numbers/booleans/TypedArrays into tensors and recursing into
// arrays (tuples) and plain objects.
import { Tensor, isTensor, fmtShape } from '../tensor';
import { stack } from '../ops/view';
import { fromArray } from '../creation';
import { defaultFloat, DType } from '../dtype';
import { noGrad } from '../autograd';

function typedDtype(a: ArrayBufferView): DType | null {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array) return 'uint8';
  return null;
}

function kind(x: unknown): string {
  if (isTensor(x)) return 'tensor';
  if (ArrayBuffer.isView(x)) return 'typedarray';
  if (Array.isArray(x)) return 'array';
  if (x === null) return 'null';
  if (typeof x === 'object') return Object.getPrototypeOf(x) === Object.prototype ? 'object' : 'other';
  return typeof x;
}

/**
 * Collates samples into a batch: tensors of one shape and dtype -> stacked along a new dim 0;
 * numbers -> int64 tensor if all are integers, else the default float dtype (float32; PyTorch uses
 * float64 for Python floats); booleans -> bool tensor; TypedArrays of one length -> (B, L) tensor;
 * strings -> array of strings; arrays -> collated position by position; plain objects -> collated
 * key by key. Anything else is an error.
 */
export function defaultCollate(batch: unknown[], path = 'batch'): any {
  if (!Array.isArray(batch) || batch.length === 0) throw new RangeError('defaultCollate: expected a non-empty array of samples');
  const k = kind(batch[0]);
  batch.forEach((x, i) => {
    const ki = kind(x);
    if (ki !== k) throw new TypeError(`defaultCollate: sample ${i} at ${path} is ${ki}, but sample 0 is ${k}`);
  });
  switch (k) {
    case 'tensor': {
      const ts = batch as Tensor[];
      const t0 = ts[0];
      ts.forEach((t, i) => {
        t._check('defaultCollate');
        if (t.dtype !== t0.dtype) throw new TypeError(`defaultCollate: tensors at ${path} have different dtypes (sample 0 ${t0.dtype}, sample ${i} ${t.dtype})`);
        if (t.ndim !== t0.ndim || t.shape.some((d, j) => d !== t0.shape[j])) {
          throw new RangeError(`defaultCollate: stack expects each tensor to be equal size, but got ${fmtShape(t0.shape)} at sample 0 and ${fmtShape(t.shape)} at sample ${i} (${path})`);
        }
      });
      return noGrad(() => stack(ts, 0));
    }
    case 'number': {
      const xs = batch as number[];
      const dtype: DType = xs.every(Number.isInteger) ? 'int64' : defaultFloat();
      return fromArray(xs, [xs.length], { dtype });
    }
    case 'boolean':
      return fromArray((batch as boolean[]).map((b) => (b ? 1 : 0)), [batch.length], { dtype: 'bool' });
    case 'string':
      return batch.slice();
    case 'typedarray': {
      const arrs = batch as ArrayBufferView[];
      const dt = typedDtype(arrs[0]);
      if (!dt) throw new TypeError(`defaultCollate: unsupported TypedArray ${arrs[0].constructor.name} at ${path} (use Float32Array, Float64Array, Int32Array or Uint8Array)`);
      const len = (arrs[0] as any).length as number;
      const out = new (arrs[0].constructor as any)(arrs.length * len);
      arrs.forEach((a, i) => {
        if (a.constructor !== arrs[0].constructor || (a as any).length !== len) {
          throw new RangeError(`defaultCollate: TypedArrays at ${path} differ in type or length (sample 0: ${arrs[0].constructor.name}[${len}], sample ${i}: ${a.constructor.name}[${(a as any).length}])`);
        }
        out.set(a, i * len);
      });
      return fromArray(out, [arrs.length, len], { dtype: dt });
    }
    case 'array': {
      const arrs = batch as unknown[][];
      const n = arrs[0].length;
      arrs.forEach((a, i) => {
        if (a.length !== n) throw new RangeError(`defaultCollate: each element in the list of batch should be of equal size (sample 0 has ${n} fields, sample ${i} has ${a.length}) at ${path}`);
      });
      return Array.from({ length: n }, (_, j) => defaultCollate(arrs.map((a) => a[j]), `${path}[${j}]`));
    }
    case 'object': {
      const objs = batch as Record<string, unknown>[];
      const keys = Object.keys(objs[0]);
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        objs.forEach((o, i) => { if (!(key in o)) throw new RangeError(`defaultCollate: sample ${i} has no key '${key}' (${path})`); });
        out[key] = defaultCollate(objs.map((o) => o[key]), `${path}.${key}`);
      }
      return out;
    }
    default:
      throw new TypeError(`defaultCollate: batch must contain tensors, numbers, booleans, strings, TypedArrays, arrays or plain objects; found ${k} at ${path}`);
  }
}
