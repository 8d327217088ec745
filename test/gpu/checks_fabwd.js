// GPU checks of scaledDotProductAttention on cuda (flash forward + FA2 backward for bf16/fp16 d 64/128,
// and the composed path for float32, other head dims and dropout) against the CPU kernel: causal
// top-left with L != S, additive float masks (key padding (B,1,1,S), per-head, full), bool masks,
// fully masked rows (0 output, 0 gradients), 2-D/3-D and non-contiguous inputs, and dropout, whose
// Philox mask on cuda is the CPU's for the same seed. Plain JavaScript shared by vitest
// (test/cuda-fabwd.test.ts) and the device runner (test/gpu/run.js). checks(nr, expect) -> { name: fn }.
'use strict';
const util = require('./util');

module.exports = function checks(nr, expect) {
  const F = nr.nn.functional;
  const { close, onGpu, back } = util(nr, expect);
  const TOL = { float32: 1e-4, bfloat16: 3e-2, float16: 6e-3 };

  /**
   * SDPA on CPU (float32 copies of the dtype-rounded inputs) and on cuda (dtype); compares the output
   * and the gradients of q, k, v under a random output weighting. mask: CPU tensor or null.
   */
  const pair = (dtype, qs, ks, vs, opts, mask = null, seed = null) => {
    const [q, k, v] = [qs, ks, vs].map((s) => nr.randn(s));
    const cpu = [q, k, v].map((t) => t.to(dtype).to('float32').requiresGrad_());
    const gpu = [q, k, v].map((t) => onGpu(t.to(dtype)).requiresGrad_());
    if (seed !== null) nr.manualSeed(seed);
    const ya = F.scaledDotProductAttention(cpu[0], cpu[1], cpu[2], { ...opts, attnMask: mask });
    if (seed !== null) nr.manualSeed(seed);
    const yb = F.scaledDotProductAttention(gpu[0], gpu[1], gpu[2], { ...opts, attnMask: mask ? onGpu(mask) : null });
    expect(yb.device).toBe('cuda');
    expect(yb.dtype).toBe(dtype);
    const tol = TOL[dtype];
    close(back(yb).float(), ya, tol);
    const w = nr.randn(ya.shape);
    ya.mul(w).sum().backward();
    yb.float().mul(onGpu(w)).sum().backward();
    for (let i = 0; i < 3; i++) close(back(gpu[i].grad).float(), cpu[i].grad, 5 * tol);
    return { ya, yb: back(yb).float(), cpu, gpu };
  };

  return {
    'flash attention: causal top-left with L != S, bf16/fp16, d 64/128': () => {
      const cases = [['bfloat16', 64, 70, 130, true], ['float16', 128, 130, 70, true], ['bfloat16', 128, 1, 65, true],
        ['float16', 64, 33, 200, false], ['bfloat16', 64, 129, 129, true]];
      for (const [dt, E, L, S, causal] of cases) pair(dt, [2, 3, L, E], [2, 3, S, E], [2, 3, S, E], { isCausal: causal });
    },

    'flash attention: additive masks (key padding, per-head, full) and fully masked rows give 0 and zero gradients': () => {
      const B = 2, H = 3, L = 50, S = 90, E = 64;
      const pad = nr.zeros([B, 1, 1, S]);
      const pd = pad.data();
      for (let j = 70; j < S; j++) pd[j] = -Infinity;      // batch 0: 70 keys
      for (let j = 0; j < S; j++) pd[S + j] = -Infinity;   // batch 1: no key at all
      const r = pair('bfloat16', [B, H, L, E], [B, H, S, E], [B, H, S, E], {}, pad);
      // batch 1: output rows and q gradients exactly 0 on both sides
      const yb = r.yb.toFlatArray(), gq = back(r.gpu[0].grad).float().toFlatArray(), gk = back(r.gpu[1].grad).float().toFlatArray();
      for (let i = H * L * E; i < 2 * H * L * E; i++) { expect(yb[i]).toBe(0); expect(gq[i]).toBe(0); }
      for (let i = H * S * E; i < 2 * H * S * E; i++) expect(gk[i]).toBe(0);
      pair('float16', [B, H, L, 128], [B, H, S, 128], [B, H, S, 128], { isCausal: true }, nr.randn([H, L, S]));
      pair('bfloat16', [B, H, L, E], [B, H, S, E], [B, H, S, E], {}, nr.randn([B, H, L, S]).mul(2));
    },

    'bool masks: flash (bf16) and composed (float32)': () => {
      const mk = (L, S) => {
        const m = nr.rand([2, 1, L, S]).lt(0.6), d = m.data();
        for (let i = 0; i < 2 * L; i++) d[i * S] = 1;  // every row keeps key 0 (the composed path gives NaN for empty rows)
        return m;
      };
      pair('bfloat16', [2, 2, 40, 64], [2, 2, 56, 64], [2, 2, 56, 64], {}, mk(40, 56));
      pair('float32', [2, 2, 40, 24], [2, 2, 56, 24], [2, 2, 56, 24], { isCausal: true }, mk(40, 56));
      const none = nr.zeros([40, 56], { dtype: 'bool' });  // every row empty -> 0, on both paths
      const r = pair('float16', [2, 2, 40, 64], [2, 2, 56, 64], [2, 2, 56, 64], {}, none);
      expect(r.yb.abs().max().item()).toBe(0);
      const half = nr.ones([40, 56], { dtype: 'bool' });
      half.slice(0, 0, 20).fill_(0);   // composed: rows 0..19 empty -> 0 and zero gradients, the rest as the CPU
      const rc = pair('float32', [2, 2, 40, 24], [2, 2, 56, 24], [2, 2, 56, 24], {}, half);
      expect(rc.yb.slice(2, 0, 20).abs().max().item()).toBe(0);
      const rd = pair('float32', [2, 2, 40, 24], [2, 2, 56, 24], [2, 2, 56, 24], { dropoutP: 0.2 }, half, 21);
      expect(back(rd.gpu[0].grad).isnan().any().item()).toBe(false);
    },

    'flash attention on 2-D / 3-D and non-contiguous inputs, custom scale': () => {
      pair('bfloat16', [37, 64], [45, 64], [45, 64], { isCausal: true, scale: 0.3 });
      pair('float16', [4, 37, 128], [4, 45, 128], [4, 45, 128], {}, nr.randn([45]));
      const x = nr.randn([2, 33, 3, 64]);  // (B, L, H, E) -> (B, H, L, E) transposed view
      const cpu = x.to('bfloat16').to('float32').requiresGrad_(), gpu = onGpu(x.to('bfloat16')).requiresGrad_();
      const ya = F.scaledDotProductAttention(cpu.transpose(1, 2), cpu.transpose(1, 2), cpu.transpose(1, 2), { isCausal: true });
      const yb = F.scaledDotProductAttention(gpu.transpose(1, 2), gpu.transpose(1, 2), gpu.transpose(1, 2), { isCausal: true });
      close(back(yb).float(), ya, TOL.bfloat16);
      ya.sum().backward(); yb.float().sum().backward();
      close(back(gpu.grad).float(), cpu.grad, 5 * TOL.bfloat16);
    },

    'attention fallbacks to the composed path: leading dims over 65535 (grid limit), scale <= 0 (bf16, d 64)': () => {
      pair('bfloat16', [65539, 2, 64], [65539, 3, 64], [65539, 3, 64], {});
      pair('bfloat16', [2, 3, 17, 64], [2, 3, 19, 64], [2, 3, 19, 64], { scale: -0.125 });
    },

    'attention dropout on cuda (composed path): the CPU mask for the same seed, gradients, seeds differ': () => {
      pair('float32', [2, 3, 20, 32], [2, 3, 28, 32], [2, 3, 28, 32], { dropoutP: 0.3 }, null, 11);
      pair('bfloat16', [2, 2, 24, 64], [2, 2, 24, 64], [2, 2, 24, 64], { dropoutP: 0.2, isCausal: true }, null, 12);
      const q = nr.randn([1, 2, 16, 32], { device: 'cuda' });
      nr.manualSeed(3);
      const a = F.scaledDotProductAttention(q, q, q, { dropoutP: 0.5 });
      nr.manualSeed(3);
      const b = F.scaledDotProductAttention(q, q, q, { dropoutP: 0.5 });
      const c = F.scaledDotProductAttention(q, q, q, { dropoutP: 0.5 });
      expect(a.shape).toEqual([1, 2, 16, 32]);
      close(back(a), back(b), 0);
      expect(back(a).sub(back(c)).abs().max().item()).toBeGreaterThan(0);
    },

    'MultiheadAttention and a causal Transformer layer on cuda build their masks on the device and match the CPU': () => {
      nr.manualSeed(5);
      const mha = new nr.nn.MultiheadAttention(64, 2, { batchFirst: true });
      const x = nr.randn([2, 12, 64]);
      const kpm = nr.zeros([2, 12], { dtype: 'bool' });
      kpm.data()[12 + 11] = 1;   // batch 1 ignores its last key
      const ya = mha.forward(x, x, x, { isCausal: true, keyPaddingMask: kpm, needWeights: false })[0];
      mha.to('cuda');
      const xg = onGpu(x);
      const yb = mha.forward(xg, xg, xg, { isCausal: true, keyPaddingMask: onGpu(kpm), needWeights: false })[0];
      close(back(yb), ya, 1e-4);
      const [yw, w] = mha.forward(xg, xg, xg, { isCausal: true, needWeights: true });
      expect(yw.device).toBe('cuda');
      expect(w.device).toBe('cuda');
      const mask = nr.nn.generateSquareSubsequentMask(12, { device: 'cuda' });
      expect(mask.device).toBe('cuda');
      expect(back(mask).toArray()).toEqual(nr.nn.generateSquareSubsequentMask(12).toArray());
      const layer = new nr.nn.TransformerEncoderLayer(64, 2, { dimFeedforward: 128, dropout: 0, batchFirst: true });
      const za = layer.forward(x, { isCausal: true });
      layer.to('cuda');
      const zb = layer.forward(xg, { isCausal: true });
      close(back(zb), za, 1e-4);
      zb.sum().backward();
      for (const p of layer.parameters()) expect(p.grad.device).toBe('cuda');
    },
  };
};
