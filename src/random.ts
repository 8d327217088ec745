// The global random generator: a Philox4x32 key (seed) and a counter offset advanced by each call,
// so manualSeed(s) reproduces every stream exactly, on any thread count.
let seed = 67280421310721;
let offset = 0;

/** Seeds the global generator (torch.manual_seed). */
export function manualSeed(s: number): void {
  if (!Number.isInteger(s) || s < 0 || s > Number.MAX_SAFE_INTEGER) throw new RangeError(`manualSeed: seed must be a non-negative safe integer, got ${s}`);
  seed = s;
  offset = 0;
}

export function initialSeed(): number { return seed; }

/** Generator state for checkpoints. */
export function getRngState(): { seed: number; offset: number } { return { seed, offset }; }
export function setRngState(st: { seed: number; offset: number }): void {
  manualSeed(st.seed);
  if (!Number.isInteger(st.offset) || st.offset < 0) throw new RangeError('setRngState: bad offset');
  offset = st.offset;
}

/** Reserves counters for n draws: returns [seedLo, seedHi, offset]. */
export function nextCounters(n: number): [number, number, number] {
  const o = offset;
  offset += Math.ceil(n / 2) + 1;
  return [seed % 2 ** 32, Math.floor(seed / 2 ** 32), o];
}
