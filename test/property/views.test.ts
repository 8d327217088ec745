// Property tests for view and shape ops: random chains of transpose/permute/unsqueeze/squeeze/
// flatten/reshape/narrow/select/slice(step)/expand/flip/roll/t/contiguous applied to random tensors
// (any dtype, non-contiguous to begin with), each step mirrored by a plain-JS model of the logical
// values; plus cat/stack (mixed dtypes), split/chunk/unbind round trips. Results are read through the
// copy kernels and through an elementwise kernel and a reduction, at a random kernel level.
import { describe, it, afterAll } from 'vitest';
import fc from 'fast-check';
import * as nr from '../../src/index';
import type { Tensor, DType } from '../../src/index';
import { prop, reportCounts, tensorArb, shapeArb, build, specArb, levelArb, expectClose, flat, numel, unravel, ravel, ALL, BEST, toDtype, TIMEOUT } from './gen';

afterAll(() => { nr.backend.setKernelLevel(BEST as any); reportCounts('views'); });

/** The JS model of a tensor: row-major values and shape. */
interface M { v: number[]; s: number[]; }
/** A new model of shape ns whose element at idx is m's element at f(idx). */
function remap(m: M, ns: number[], f: (idx: number[]) => number[]): M {
  return { s: ns, v: Array.from({ length: numel(ns) }, (_, i) => m.v[ravel(f(unravel(i, ns)), m.s)]) };
}

type Step = [string, number, number, number];
const OPS = ['transpose', 'permute', 'unsqueeze', 'squeeze', 'flatten', 'reshape', 'narrow', 'select', 'slice', 'expand', 'flip', 'roll', 't', 'contiguous'];

/** Applies one random step (params taken modulo what fits the current shape) to the tensor and the model. */
function apply(t: Tensor, m: M, [op, p, q, r]: Step): [Tensor, M] | null {
  const n = m.s.length, s = m.s;
  const dim = (k: number) => k % n;
  switch (op) {
    case 'transpose': {
      if (n === 0) return null;
      const a = dim(p), b = dim(q), ns = s.slice();
      [ns[a], ns[b]] = [ns[b], ns[a]];
      return [t.transpose(a, b - (r % 2 ? n : 0)), remap(m, ns, (i) => { const j = i.slice(); [j[a], j[b]] = [j[b], j[a]]; return j; })];
    }
    case 'permute': {
      const perm = [...Array(n).keys()];
      for (let i = n - 1; i > 0; i--) { const k = (p * 31 + q * 7 + i * r) % (i + 1); [perm[i], perm[k]] = [perm[k], perm[i]]; }
      return [t.permute(perm), remap(m, perm.map((d) => s[d]), (i) => { const j = new Array(n); perm.forEach((d, k) => { j[d] = i[k]; }); return j; })];
    }
    case 'unsqueeze': {
      if (n >= 6) return null;
      const d = p % (n + 1);
      return [t.unsqueeze(q % 2 ? d - n - 1 : d), remap(m, [...s.slice(0, d), 1, ...s.slice(d)], (i) => [...i.slice(0, d), ...i.slice(d + 1)])];
    }
    case 'squeeze': {
      if (q % 2 === 0) {   // all size-1 dims
        return [t.squeeze(), remap(m, s.filter((x) => x !== 1), (i) => { const j: number[] = []; let k = 0; for (const x of s) j.push(x === 1 ? 0 : i[k++]); return j; })];
      }
      if (n === 0) return null;
      const d = dim(p);
      if (s[d] !== 1) return [t.squeeze(d), m];
      return [t.squeeze(d), remap(m, [...s.slice(0, d), ...s.slice(d + 1)], (i) => [...i.slice(0, d), 0, ...i.slice(d)])];
    }
    case 'flatten': {
      if (n === 0) return [t.flatten(), { s: [1], v: m.v.slice() }];
      const a = dim(p), b = a + (q % (n - a));
      const ns = [...s.slice(0, a), numel(s.slice(a, b + 1)), ...s.slice(b + 1)];
      return [t.flatten(a, b), { s: ns, v: m.v.slice() }];
    }
    case 'reshape': {
      const tot = numel(s);
      const divs = [...Array(tot + 1).keys()].filter((d) => d > 0 && tot % d === 0);
      const a = tot === 0 ? 0 : divs[p % divs.length];
      const ns = tot === 0 ? [0, 1 + (q % 3)] : [a, tot / a];
      const arg = r % 2 && tot > 0 ? [-1, ns[1]] : ns;
      return [t.reshape(arg), { s: ns, v: m.v.slice() }];
    }
    case 'narrow': case 'slice': case 'select': {
      if (n === 0) return null;
      const d = dim(p), len = s[d];
      if (op === 'select') {
        if (len === 0) return null;
        const i0 = q % len;
        return [t.select(d, r % 2 ? i0 - len : i0), remap(m, [...s.slice(0, d), ...s.slice(d + 1)], (i) => [...i.slice(0, d), i0, ...i.slice(d)])];
      }
      const start = q % (len + 1);
      if (op === 'narrow') {
        const l = r % (len - start + 1);
        return [t.narrow(d, start, l), remap(m, s.map((x, k) => (k === d ? l : x)), (i) => { const j = i.slice(); j[d] += start; return j; })];
      }
      const step = 1 + (r % 3), end = start + ((p + q) % (len - start + 1));
      const cnt = Math.ceil((end - start) / step);
      return [t.slice(d, start, end, step), remap(m, s.map((x, k) => (k === d ? cnt : x)), (i) => { const j = i.slice(); j[d] = start + j[d] * step; return j; })];
    }
    case 'expand': {
      const lead = p % 2;
      const ns = [...(lead ? [1 + (q % 3)] : []), ...s.map((x, k) => (x === 1 && (q + k) % 2 ? 1 + ((r + k) % 4) : x))];
      if (numel(ns) > 3000) return null;
      const arg = ns.map((x, k) => (k >= lead && x === s[k - lead] && r % 3 === 0 ? -1 : x));
      return [t.expand(arg), remap(m, ns, (i) => i.slice(lead).map((x, k) => (s[k] === 1 ? 0 : x)))];
    }
    case 'flip': {
      const ds = [...Array(n).keys()].filter((k) => (p >> k) & 1);
      return [t.flip(ds), remap(m, s, (i) => i.map((x, k) => (ds.includes(k) ? s[k] - 1 - x : x)))];
    }
    case 'roll': {
      if (n === 0) return null;
      const d = dim(p), sh = q - 3, len = s[d];
      return [t.roll(sh, d), remap(m, s, (i) => { const j = i.slice(); if (len) j[d] = (((i[d] - sh) % len) + len) % len; return j; })];
    }
    case 't': {
      if (n > 2) return null;
      return [t.t(), n < 2 ? m : remap(m, [s[1], s[0]], (i) => [i[1], i[0]])];
    }
    default:
      return [t.contiguous(), m];
  }
}

const stepArb = fc.tuple(fc.constantFrom(...OPS), fc.nat(40), fc.nat(40), fc.nat(40));

describe('view and shape ops', { timeout: TIMEOUT }, () => {
  it('random chains of view ops agree with a JS model (values, through copy, elementwise and reduce kernels)', () => {
    const arb = fc.record({ spec: tensorArb(shapeArb(4, 300), ALL), steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }), level: levelArb });
    prop('viewChain', arb, ({ spec, steps, level }) => {
      const b = build(spec);
      let t = b.t, m: M = { v: b.v, s: spec.shape };
      for (const st of steps) {
        const r = apply(t, m, st);
        if (r) [t, m] = r;
        expectClose(flat(t, m.s, spec.dtype), m.v, 0, 0, `after ${st[0]}`);
      }
      const prev = nr.backend.cpuInfo().active;
      nr.backend.setKernelLevel(level as any);
      try {
        if (spec.dtype !== 'bool') {
          const one = toDtype(1, spec.dtype);
          expectClose(flat(t.add(1), m.s), m.v.map((x) => toDtype(x + one, spec.dtype)), 0, 0, 'view + 1');
          expectClose(flat(t.sum()), [m.v.reduce((a, x) => a + x, 0)], 0, 0, 'sum of the view');
        }
        // view() succeeds exactly when no copy is needed, and then shares memory
        try {
          const f = t.view([numel(m.s)]);
          expectClose(flat(f), m.v, 0, 0, 'view([-1])');
        } catch (e) {
          if (!(e instanceof Error) || !/^view: /.test(e.message)) throw e;
        }
      } finally {
        nr.backend.setKernelLevel(prev as any);
      }
    }, 250);
  });

  it('cat and stack along any dim, with mixed dtypes, equal the JS concatenation', () => {
    const arb = fc.record({
      base: shapeArb(3, 200, 1), sizes: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 4 }),
      dtypes: fc.array(fc.constantFrom<DType>(...ALL), { minLength: 4, maxLength: 4 }), d: fc.nat(10),
    }).chain((c) => {
      const d = c.d % c.base.length;
      const shapes = c.sizes.map((k) => c.base.map((x, i) => (i === d ? k : x)));
      return fc.record({ c: fc.constant({ ...c, d }), specs: fc.tuple(...shapes.map((s, i) => specArb(s, c.dtypes[i]))), stackSpecs: fc.tuple(...shapes.map((_, i) => specArb(c.base, c.dtypes[i]))) });
    });
    prop('catStack', arb, ({ c, specs, stackSpecs }) => {
      const parts = specs.map((s) => build(s));
      const dt = nr.resultType(...parts.map((p) => p.t));
      const out = nr.cat(parts.map((p) => p.t), c.d - (c.d % 2 ? c.base.length : 0));
      const shape = c.base.map((x, i) => (i === c.d ? c.sizes.reduce((a, b) => a + b, 0) : x));
      // JS: for each output index find the part along d
      const want = Array.from({ length: numel(shape) }, (_, i) => {
        const idx = unravel(i, shape);
        let k = idx[c.d], p = 0;
        while (k >= c.sizes[p]) { k -= c.sizes[p]; p++; }
        const j = idx.slice(); j[c.d] = k;
        return toDtype(parts[p].v[ravel(j, specs[p].shape)], dt);
      });
      expectClose(flat(out, shape, dt), want, 0, 0, 'cat');
      const sp = stackSpecs.map((s) => build(s));
      const sdt = nr.resultType(...sp.map((p) => p.t));
      const sd = c.d % (c.base.length + 1);
      const st = nr.stack(sp.map((p) => p.t), sd);
      const sshape = [...c.base.slice(0, sd), sp.length, ...c.base.slice(sd)];
      const swant = Array.from({ length: numel(sshape) }, (_, i) => {
        const idx = unravel(i, sshape);
        return toDtype(sp[idx[sd]].v[ravel([...idx.slice(0, sd), ...idx.slice(sd + 1)], c.base)], sdt);
      });
      expectClose(flat(st, sshape, sdt), swant, 0, 0, 'stack');
    }, 150);
  });

  it('split / chunk / unbind pieces are the right slices and cat back to the input', () => {
    const arb = tensorArb(shapeArb(3, 300, 1), ALL).chain((spec) => fc.record({
      spec: fc.constant(spec), d: fc.nat(5), size: fc.integer({ min: 1, max: 6 }),
      sections: fc.array(fc.nat(4), { maxLength: 5 }), chunks: fc.integer({ min: 1, max: 7 }),
    }));
    prop('split', arb, ({ spec, d: d0, size, sections, chunks }) => {
      const { t, v } = build(spec);
      const d = d0 % spec.shape.length, len = spec.shape[d];
      const check = (pieces: Tensor[], sizes: number[], what: string) => {
        expectClose(pieces.map((p) => p.shape[d]), sizes, 0, 0, `${what} sizes`);
        let start = 0;
        for (const p of pieces) {
          const m = remap({ v, s: spec.shape }, p.shape.slice(), (i) => { const j = i.slice(); j[d] += start; return j; });
          expectClose(flat(p), m.v, 0, 0, `${what} piece at ${start}`);
          start += p.shape[d];
        }
        expectClose(flat(nr.cat(pieces, d)), v, 0, 0, `${what} cat back`);
      };
      const bySize: number[] = [];
      for (let s = 0; s < len; s += size) bySize.push(Math.min(size, len - s));
      check(t.split(size, d), len === 0 ? [0] : bySize, 'split(size)');
      // sections that sum to len: scale the random list
      const secs = sections.length ? sections.slice() : [len];
      const tot = secs.reduce((a, b) => a + b, 0);
      if (tot !== len) secs.push(Math.max(0, len - tot));
      if (secs.reduce((a, b) => a + b, 0) === len) check(t.split(secs, d), secs, 'split(sections)');
      const cs = Math.max(1, Math.ceil(len / chunks));
      const byChunk: number[] = [];
      for (let s = 0; s < len; s += cs) byChunk.push(Math.min(cs, len - s));
      check(t.chunk(chunks, d), len === 0 ? [0] : byChunk, 'chunk');
      const ub = t.unbind(d);
      expectClose([ub.length], [len], 0, 0, 'unbind count');
      if (len > 0) expectClose(flat(nr.stack(ub, d)), v, 0, 0, 'unbind + stack');
    }, 150);
  });
});
