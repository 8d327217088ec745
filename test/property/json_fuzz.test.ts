// Differential property test of the strict JSON parser behind safetensors and checkpoint headers
// (src/io/json.ts) against JSON.parse: any JSON text JSON.stringify writes parses to the same value;
// random and mutated texts are either accepted by both with the same value, or refused by the strict
// parser with a JsonSyntaxError (it also refuses duplicate keys and deep nesting, which JSON.parse
// allows). It never throws anything else and never overflows the stack.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { parseJsonStrict, JsonSyntaxError } from '../../src/io/json';
import { fcRuns, caseCounts, reportCounts, TIMEOUT } from './gen';

afterAll(() => reportCounts('json_fuzz'));

/** Plain-object copy (the strict parser builds null-prototype objects). */
const plain = (v: unknown): unknown => (Array.isArray(v) ? v.map(plain)
  : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);

const MUT = fc.record({ pos: fc.nat(), kind: fc.constantFrom('del', 'ins', 'set'), ch: fc.constantFrom('{', '}', '[', ']', '"', ',', ':', '\\', 'u', '0', '-', 'e', '.', ' ', '\u0000', '\uD800', 'n', 't') });

describe('strict JSON parser vs JSON.parse', { timeout: TIMEOUT }, () => {
  it('round-trips whatever JSON.stringify writes (nesting within the limit)', () => {
    let tried = 0;
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
      tried++;
      const text = JSON.stringify(v);
      expect(plain(parseJsonStrict(text, 64))).toEqual(JSON.parse(text));
    }), fcRuns(500));
    caseCounts().set('jsonRoundTrip', tried);
  });

  it('random and mutated texts: same value as JSON.parse, or a JsonSyntaxError', () => {
    const arb = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.tuple(fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)), fc.array(MUT, { minLength: 1, maxLength: 3 })).map(([t, ms]) => {
        let s = t;
        for (const m of ms) {
          const p = s.length ? m.pos % (s.length + 1) : 0;
          s = m.kind === 'del' ? s.slice(0, p) + s.slice(p + 1) : m.kind === 'ins' ? s.slice(0, p) + m.ch + s.slice(p) : s.slice(0, p) + m.ch + s.slice(p + 1);
        }
        return s;
      }),
    );
    let tried = 0, both = 0;
    fc.assert(fc.property(arb, (text) => {
      tried++;
      let want: unknown, wantErr = false;
      try { want = JSON.parse(text); } catch { wantErr = true; }
      let got: unknown, gotErr: unknown = null;
      try { got = parseJsonStrict(text, 64); } catch (e) { gotErr = e; }
      if (gotErr) {
        expect(gotErr).toBeInstanceOf(JsonSyntaxError);
        // refusing what JSON.parse accepts is allowed only for duplicate keys (depth stays below the limit here)
        if (!wantErr) expect((gotErr as Error).message).toMatch(/^duplicate key /);
      } else {
        expect(wantErr).toBe(false);
        both++;
        expect(plain(got)).toEqual(want);
      }
    }), fcRuns(1500));
    caseCounts().set('jsonMutated', tried);
    expect(both).toBeGreaterThan(0);
  });

  it('deep nesting is refused at the limit, not by a stack overflow', () => {
    for (const d of [65, 1000, 100_000]) {
      expect(() => parseJsonStrict('['.repeat(d) + ']'.repeat(d), 64)).toThrow(JsonSyntaxError);
      expect(() => parseJsonStrict('{"a":'.repeat(d) + '1' + '}'.repeat(d), 64)).toThrow(/nesting deeper than 64 levels/);
    }
    expect(parseJsonStrict('['.repeat(64) + ']'.repeat(64), 64)).toBeDefined();
  });
});
