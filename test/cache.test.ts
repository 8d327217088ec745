// Buffer cache: released blocks are reused for same-size allocations without exposing the old
// memory to views the user kept, zeros() stays zeroed, and the cache is bounded and can be emptied.
import { describe, it, expect, afterEach } from 'vitest';
import * as nr from '../src/index';
const { backend } = nr;

afterEach(() => { backend.setCacheLimit(256 * 1024 * 1024); backend.emptyCache(); });

describe('buffer cache', () => {
  it('dispose caches the block; a TypedArray kept from data() is detached, not aliased to the next tensor', () => {
    backend.emptyCache();
    const a = nr.full([64, 1024], 3, { dtype: 'float32' });       // 256 KiB
    const view = a.data() as Float32Array;
    expect(view[0]).toBe(3);
    a.dispose();
    expect(view.length).toBe(0);                                  // detached like before
    expect(backend.cachedBytes()).toBe(256 * 1024);
    const b = nr.full([64, 1024], 7, { dtype: 'float32' });       // reuses the block
    expect(backend.cachedBytes()).toBe(0);
    expect(view.length).toBe(0);
    expect(view[0]).toBeUndefined();
    expect((b.data() as Float32Array)[12345]).toBe(7);
  });

  it('zeros() and zero-initialised buffers from the cache are zeroed', () => {
    backend.emptyCache();
    nr.full([128, 512], -1, { dtype: 'float32' }).dispose();
    expect(backend.cachedBytes()).toBe(128 * 512 * 4);
    const z = nr.zeros([128, 512]);
    expect(backend.cachedBytes()).toBe(0);
    expect((z.data() as Float32Array).every((v) => v === 0)).toBe(true);
  });

  it('tidy() intermediates feed the cache; a training loop reaches a steady state', () => {
    backend.emptyCache();
    nr.manualSeed(0);
    const w = nr.randn([256, 256], { requiresGrad: true });
    const x = nr.randn([128, 256]);
    const sizes: number[] = [];
    for (let i = 0; i < 5; i++) {
      nr.tidy(() => { x.matmul(w).relu().sum().backward(); });
      w.grad!.dispose(); w.grad = null;
      sizes.push(backend.cachedBytes());
    }
    expect(sizes[4]).toBeGreaterThan(0);
    expect(sizes[4]).toBe(sizes[2]);                              // reused, not growing
  });

  it('hostBytesInUse excludes the cache; emptyCache frees; the limit bounds it; limit 0 disables', () => {
    backend.emptyCache();
    const before = backend.hostBytesInUse();
    const t = nr.ones([1 << 18]);
    expect(backend.hostBytesInUse() - before).toBe(1 << 20);
    t.dispose();
    expect(backend.hostBytesInUse()).toBe(before);
    expect(backend.cachedBytes()).toBe(1 << 20);
    backend.emptyCache();
    expect(backend.cachedBytes()).toBe(0);
    backend.setCacheLimit(1 << 20);
    nr.ones([1 << 18]).dispose(); nr.ones([1 << 17]).dispose();   // second does not fit
    expect(backend.cachedBytes()).toBe(1 << 20);
    backend.setCacheLimit(0);
    expect(backend.cachedBytes()).toBe(0);
    nr.ones([1 << 18]).dispose();
    expect(backend.cachedBytes()).toBe(0);
    expect(() => backend.setCacheLimit(-1)).toThrow(RangeError);
    expect(() => backend.setCacheLimit(NaN)).toThrow(RangeError);
  });

  it('small blocks are not cached', () => {
    backend.emptyCache();
    nr.ones([100]).dispose();
    expect(backend.cachedBytes()).toBe(0);
  });
});
