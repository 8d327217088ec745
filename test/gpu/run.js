// Device runner of the GPU checks: node test/gpu/run.js <package dir> [name filter]. Loads the built
// package (dist/cjs + addon, which finds libneurona_cuda.so by its normal search), runs every check of
// checks_*.js (tensor, layers, cusort, fabwd, cuidx, cumisc) with a small expect() implementation (the device machine has
// no dev dependencies), prints one line per check and exits non-zero on any failure.
'use strict';
const path = require('path');
const util = require('util');

class CheckError extends Error {}
function expect(actual) {
  const fail = (msg) => { throw new CheckError(msg); };
  const show = (v) => util.inspect(v, { depth: 3, breakLength: Infinity });
  const m = {
    toBe: (e) => Object.is(actual, e) || fail(`expected ${show(actual)} to be ${show(e)}`),
    toEqual: (e) => util.isDeepStrictEqual(actual, e) || fail(`expected ${show(actual)} to equal ${show(e)}`),
    toBeCloseTo: (e, digits = 2) => Math.abs(actual - e) < 10 ** -digits / 2 || fail(`expected ${actual} to be close to ${e}`),
    toBeLessThan: (e) => actual < e || fail(`expected ${actual} < ${e}`),
    toBeLessThanOrEqual: (e) => actual <= e || fail(`expected ${actual} <= ${e}`),
    toBeGreaterThan: (e) => actual > e || fail(`expected ${actual} > ${e}`),
    toBeGreaterThanOrEqual: (e) => actual >= e || fail(`expected ${actual} >= ${e}`),
    toBeDefined: () => actual !== undefined || fail('expected a value'),
    toBeInstanceOf: (c) => actual instanceof c || fail(`expected an instance of ${c.name}`),
    toThrow: (e) => {
      try { actual(); } catch (err) {
        if (e === undefined) return true;
        if (typeof e === 'function' && !(err instanceof e)) fail(`expected ${e.name}, got ${err && err.name}: ${err && err.message}`);
        if (e instanceof RegExp && !e.test(err.message)) fail(`expected an error matching ${e}, got: ${err.message}`);
        if (typeof e === 'string' && !err.message.includes(e)) fail(`expected an error containing ${show(e)}, got: ${err.message}`);
        return true;
      }
      return fail('expected a throw');
    },
  };
  m.not = { toThrow: () => { try { actual(); } catch (err) { fail(`expected no throw, got: ${err.message}`); } return true; } };
  m.resolves = { toBeDefined: () => Promise.resolve(actual).then((v) => v !== undefined || fail('expected a value')) };
  return m;
}

async function main() {
  const pkg = path.resolve(process.argv[2] || '.');
  const filter = process.argv[3] || '';
  const nr = require(path.join(pkg, 'dist/cjs'));
  if (!nr.cuda.isAvailable()) { console.error('gpu checks: CUDA unavailable:', nr.cuda.info().reason); process.exit(2); }
  const d = nr.cuda.info().devices[0];
  console.log(`gpu checks on ${d.name} (cc ${d.cc}), library ${nr.cuda.info().library}`);
  let failed = 0, ran = 0;
  for (const file of ['checks_tensor', 'checks_layers', 'checks_cusort', 'checks_fabwd', 'checks_cuidx', 'checks_cumisc']) {
    for (const [name, fn] of Object.entries(require(`./${file}`)(nr, expect))) {
      if (filter && !name.includes(filter)) continue;
      ran++;
      const t0 = Date.now();
      try {
        await fn();   // not inside tidy(): some checks are async
        nr.cuda.synchronize();
        console.log(`PASS ${file} > ${name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${file} > ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : e}`);
      }
    }
  }
  console.log(`gpu checks: ${ran - failed} passed, ${failed} failed; memoryAllocated ${nr.cuda.memoryAllocated()} bytes after`);
  process.exit(failed ? 1 : 0);
}
main();
