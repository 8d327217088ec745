// Formatting of user-supplied values for error messages (no imports: usable from every module).
/**
 * A user-supplied value for an error message. Unlike JSON.stringify it never throws (bigints,
 * symbols, cycles) and names what JSON would drop (undefined, functions).
 */
export function fmtValue(v: unknown): string {
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'a function';
  if (v === undefined) return 'undefined';
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : typeof x === 'symbol' ? x.toString() : x)) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
