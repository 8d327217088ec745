// dtypes: names, native codes, element sizes, TypedArray classes and PyTorch's type promotion.

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

/** Codes shared with native/include/nr/dtype.h. */
export const DTYPE_CODE: Record<DType, number> = {
  float32: 0, float64: 1, float16: 2, bfloat16: 3, int32: 4, int64: 5, uint8: 6, bool: 7,
};

export const ITEMSIZE: Record<DType, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int32: 4, int64: 8, uint8: 1, bool: 1,
};

export type TypedArray = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;

/** The TypedArray class that `data()` returns for a dtype (float16/bfloat16: raw Uint16 bits). */
export const ARRAY_TYPE: Record<DType, { new (b: ArrayBuffer, off: number, len: number): TypedArray; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, float64: Float64Array, float16: Uint16Array, bfloat16: Uint16Array,
  int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, bool: Uint8Array,
};

export function isFloat(d: DType): boolean { return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16'; }
export function isInt(d: DType): boolean { return d === 'int32' || d === 'int64' || d === 'uint8'; }

export function checkDtype(d: unknown, op: string): DType {
  if (typeof d !== 'string' || !(DTYPES as readonly string[]).includes(d)) {
    throw new TypeError(`${op}: unknown dtype ${typeof d === 'string' ? JSON.stringify(d) : typeof d === 'bigint' ? `${d}n` : typeof d === 'symbol' ? d.toString() : typeof d === 'object' && d !== null ? 'object' : String(d)} (expected one of ${DTYPES.join(', ')})`);
  }
  return d as DType;
}

// Category order: bool < integer < floating.
function category(d: DType): number { return d === 'bool' ? 0 : isInt(d) ? 1 : 2; }

const PAIR: Record<string, DType> = {};
function pair(a: DType, b: DType, r: DType) { PAIR[a + ',' + b] = r; PAIR[b + ',' + a] = r; }
for (const d of DTYPES) pair(d, d, d);
pair('bool', 'uint8', 'uint8'); pair('bool', 'int32', 'int32'); pair('bool', 'int64', 'int64');
pair('uint8', 'int32', 'int32'); pair('uint8', 'int64', 'int64'); pair('int32', 'int64', 'int64');
for (const i of ['bool', 'uint8', 'int32', 'int64'] as DType[]) for (const f of ['float16', 'bfloat16', 'float32', 'float64'] as DType[]) pair(i, f, f);
pair('float16', 'bfloat16', 'float32'); pair('float16', 'float32', 'float32'); pair('bfloat16', 'float32', 'float32');
pair('float16', 'float64', 'float64'); pair('bfloat16', 'float64', 'float64'); pair('float32', 'float64', 'float64');

/** torch.can_cast: false when casting would go down a category (float -> int, int -> bool). */
export function canCast(from: DType, to: DType): boolean { return category(from) <= category(to); }

/** torch.promote_types */
export function promoteTypes(a: DType, b: DType): DType { return PAIR[a + ',' + b]; }

/** Operand of a result_type computation: a tensor's dtype and rank, or a JS scalar. */
export type Operand = { dtype: DType; ndim: number } | number | boolean;

// PyTorch's combine_categories: `higher` wins unless it is bool, or `lower` is floating.
function combine(higher: DType | null, lower: DType | null): DType | null {
  if (higher === null) return lower;
  if (lower === null || isFloat(higher)) return higher;
  if (higher === 'bool' || isFloat(lower)) return promoteTypes(higher, lower);
  return higher;
}

/**
 * torch.result_type: tensors with dims outrank 0-dim tensors, which outrank JS scalars; a lower-priority
 * operand only matters when it is of a higher category (bool < int < float). Float scalars count as
 * the default float dtype, integer scalars as int64.
 */
export function resultType(...ops: Operand[]): DType {
  let dimT: DType | null = null, zeroT: DType | null = null, scal: DType | null = null;
  for (const o of ops) {
    if (typeof o === 'number' || typeof o === 'boolean') {
      const d: DType = typeof o === 'boolean' ? 'bool' : Number.isInteger(o) ? 'int64' : defaultFloat();
      scal = scal ? promoteTypes(scal, d) : d;
    } else if (o.ndim > 0) dimT = dimT ? promoteTypes(dimT, o.dtype) : o.dtype;
    else zeroT = zeroT ? promoteTypes(zeroT, o.dtype) : o.dtype;
  }
  return combine(dimT, combine(zeroT, scal)) ?? defaultFloat();
}

let defaultDtype: DType = 'float32';
export function defaultFloat(): DType { return defaultDtype; }
/** torch.set_default_dtype */
export function setDefaultDtype(d: DType): void {
  if (!isFloat(checkDtype(d, 'setDefaultDtype'))) throw new TypeError(`setDefaultDtype: ${d} is not a floating dtype`);
  defaultDtype = d;
}
