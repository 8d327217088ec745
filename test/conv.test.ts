// Convolution and pooling: values and gradients against PyTorch fixtures (float64), fast kernels
// against the reference kernels, float64 gradchecks, and bad input.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';

const fx = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'conv.json'), 'utf8'));
const t64 = (v: number[], s: number[]) => nr.fromArray(Float64Array.from(v), s, { dtype: 'float64' });

function close(a: Tensor, b: number[], tol = 1e-9): void {
  const x = a.toFlatArray();
  expect(x.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - b[i]) / (1 + Math.abs(b[i])));
  expect(worst).toBeLessThan(tol);
}

function call(c: any, x: Tensor, w: Tensor | null, b: Tensor | null): Tensor {
  const o = c.opts;
  switch (c.op) {
    case 'conv2d': return nr.conv2d(x, w!, b, o);
    case 'conv1d': return nr.conv1d(x, w!, b, o);
    case 'convTranspose2d': return nr.convTranspose2d(x, w!, b, o);
    case 'convTranspose1d': return nr.convTranspose1d(x, w!, b, o);
    case 'maxPool2d': return nr.maxPool2d(x, o.kernelSize, o);
    case 'avgPool2d': return nr.avgPool2d(x, o.kernelSize, o);
    case 'adaptiveAvgPool2d': return nr.adaptiveAvgPool2d(x, o.outputSize);
    case 'maxPool1d': return nr.maxPool1d(x, o.kernelSize, o);
    case 'avgPool1d': return nr.avgPool1d(x, o.kernelSize, o);
    case 'adaptiveAvgPool1d': return nr.adaptiveAvgPool1d(x, o.outputSize);
  }
  throw new Error(`unknown op ${c.op}`);
}

const levels = ['ref', nr.backend.cpuInfo().best];
afterEach(() => { nr.backend.setKernelLevel(nr.backend.cpuInfo().best as any); });

describe('conv/pool vs PyTorch', () => {
  for (const level of levels) {
    fx.cases.forEach((c: any, i: number) => {
      it(`${c.op} #${i} ${JSON.stringify(c.opts)} [${level}]`, () => {
        nr.backend.setKernelLevel(level as any);
        const x = t64(c.x, c.xShape).requiresGrad_(true);
        const w = c.w ? t64(c.w, c.wShape).requiresGrad_(true) : null;
        const b = c.b ? t64(c.b, [c.b.length]).requiresGrad_(true) : null;
        const y = call(c, x, w, b);
        expect(y.shape).toEqual(c.yShape);
        close(y, c.y);
        y.mul(t64(c.g, c.yShape)).sum().backward();
        close(x.grad!, c.gx);
        if (w) close(w.grad!, c.gw);
        if (b) close(b.grad!, c.gb);
      });
    });
  }
});

describe('conv/pool kernels', () => {
  it('float32 fast kernels match the reference on odd shapes', () => {
    nr.manualSeed(3);
    const shapes = [[3, 5, 11, 9, 7, 3, 2, 2, 1, 1, 1], [2, 6, 8, 13, 6, 3, 3, 1, 2, 2, 3], [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1]];
    for (const [N, C, H, W, K, R, S, st, pd, dl, g] of shapes) {
      const x = nr.randn([N, C, H, W]), w = nr.randn([K, C / g, R, S]);
      const run = () => {
        const xx = x.detach().requiresGrad_(true), ww = w.detach().requiresGrad_(true);
        const y = nr.conv2d(xx, ww, null, { stride: st, padding: pd, dilation: dl, groups: g });
        const p = nr.maxPool2d(y, 2, { ceilMode: true }).add(nr.avgPool2d(y, 2, { ceilMode: true, countIncludePad: false }));
        p.sum().backward();
        return [y.toFlatArray(), xx.grad!.toFlatArray(), ww.grad!.toFlatArray()];
      };
      nr.backend.setKernelLevel('ref');
      const ref = run();
      nr.backend.setKernelLevel(nr.backend.cpuInfo().best as any);
      const fast = run();
      for (let k = 0; k < 3; k++) ref[k].forEach((v, i) => expect(Math.abs(v - fast[k][i])).toBeLessThan(1e-4 * (1 + Math.abs(v))));
    }
  });
  // The implicit-GEMM forward (conv_forward.cc + gemm_conv_pack.inc) at every kernel level against
  // the reference: weights packed or read in place, padding (row windows) and none (input read in
  // place), strides (sw > 1 gathers),
  // dilation, groups (incl. depthwise), N = 1, output rows narrower than a vector (Q < lanes),
  // deep C*R*S (several depth blocks), several column chunks over 1 and 2 threads, bias or not.
  it('conv2d forward: every kernel level, float32/float64, matches the reference', () => {
    const levels: nr.backend.KernelLevel[] = [];
    for (const l of ['base', 'avx2', 'avx512', 'neon'] as nr.backend.KernelLevel[]) if (nr.backend.setKernelLevel(l)) levels.push(l);
    const threads0 = nr.backend.getNumThreads();
    // N, C, H, W, K, R, S, stride, padding, dilation, groups
    const cases: [number, number, number, number, number, number, number, [number, number], [number, number], [number, number], number][] = [
      [2, 5, 11, 9, 7, 3, 3, [1, 1], [1, 1], [1, 1], 1],      // padded, odd sizes
      [1, 6, 13, 8, 6, 3, 2, [2, 1], [2, 0], [1, 2], 3],      // N = 1, groups, row stride, dilation
      [3, 4, 9, 10, 8, 3, 3, [2, 2], [1, 1], [1, 1], 1],      // column stride (gathered)
      [2, 3, 7, 7, 4, 1, 1, [1, 1], [0, 0], [1, 1], 1],       // pointwise, x read in place
      [2, 3, 12, 11, 5, 5, 5, [1, 1], [0, 0], [1, 1], 1],     // unpadded 5x5
      [1, 2, 5, 40, 9, 2, 3, [1, 3], [0, 4], [2, 1], 1],      // wide, padding > kernel reach
      [2, 4, 6, 5, 3, 3, 3, [1, 1], [1, 1], [1, 1], 1],       // Q = 5 < lanes: many rows per vector
      [1, 2, 4, 4, 3, 3, 3, [1, 1], [3, 3], [1, 1], 1],       // all-zero border rows and columns
      [2, 3, 10, 12, 4, 3, 3, [1, 1], [2, 2], [2, 2], 1],     // dilated, padded
      [2, 6, 9, 9, 6, 3, 3, [1, 1], [1, 1], [1, 1], 6],       // depthwise
      [1, 130, 6, 6, 10, 3, 3, [1, 1], [1, 1], [1, 1], 1],    // C*R*S = 1170: several depth blocks
      [2, 16, 30, 30, 20, 3, 3, [1, 1], [1, 1], [1, 1], 1],   // several column chunks and tasks
    ];
    // With N*P*Q >= 4*(C/groups)*R*S the weights are packed (bias as a ones row), else read in
    // place (bias filled first): run every geometry both ways, the other way by scaling N or C.
    for (const c of cases.slice()) {
      const [N, C, H, W, K, R, S, [sh, sw], [ph, pw], [dh, dw], g] = c;
      const PQ = (Math.floor((H + 2 * ph - dh * (R - 1) - 1) / sh) + 1) * (Math.floor((W + 2 * pw - dw * (S - 1) - 1) / sw) + 1);
      const CRS = (C / g) * R * S;
      if (N * PQ >= 4 * CRS) {
        const f = Math.floor(N * PQ / (4 * CRS)) + 1;      // more channels: in place
        cases.push([N, C * f, H, W, K, R, S, [sh, sw], [ph, pw], [dh, dw], g]);
      } else {
        cases.push([Math.ceil(4 * CRS / PQ), C, H, W, K, R, S, [sh, sw], [ph, pw], [dh, dw], g]);  // packed
      }
    }
    try {
      for (const dtype of ['float32', 'float64'] as const) {
        const tol = dtype === 'float32' ? 2e-5 : 1e-12;
        for (const [N, C, H, W, K, R, S, stride, padding, dilation, groups] of cases) {
          nr.manualSeed(N * 1000 + C * 10 + K);
          const x = nr.randn([N, C, H, W], { dtype }), w = nr.randn([K, C / groups, R, S], { dtype });
          const b = nr.randn([K, 2], { dtype }).select(1, 1);  // a strided bias
          for (const bias of [b, null]) {
            const o = { stride, padding, dilation, groups };
            nr.backend.setKernelLevel('ref');
            const ref = nr.conv2d(x, w, bias, o).toFlatArray();
            const scale = ref.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
            for (const level of levels) {
              nr.backend.setKernelLevel(level);
              for (const th of [1, 2]) {
                nr.backend.setNumThreads(th);
                const y = nr.conv2d(x, w, bias, o).toFlatArray();
                expect(y.length).toBe(ref.length);
                let worst = 0;
                for (let i = 0; i < y.length; i++) worst = Math.max(worst, Math.abs(y[i] - ref[i]));
                if (!(worst <= tol * scale)) throw new Error(`${level} ${dtype} threads ${th} case ${JSON.stringify([N, C, H, W, K, R, S, o])} bias ${!!bias}: worst ${worst}`);
              }
            }
          }
        }
      }
    } finally {
      nr.backend.setNumThreads(threads0);
    }
  });
  it('maxPool2d 2x2/stride 2 fast path: values and argmax (ties, NaN, -Inf, odd sizes) equal the reference', () => {
    for (const [H, W, dt] of [[28, 28, 'float32'], [7, 9, 'float64'], [2, 2, 'float32'], [5, 4, 'float32']] as const) {
      const x = nr.randint(-2, 3, [3, 2, H, W]).to(dt);                 // small ints: many ties
      const d = x.data() as Float32Array;
      d[1] = NaN; d[5] = NaN; d[W] = -Infinity; d[d.length - 1] = NaN;
      for (const ceilMode of [false, true]) {
        const run = () => nr.maxPool2dWithIndices(x, 2, { ceilMode });
        nr.backend.setKernelLevel('ref');
        const { values: ry, indices: ri } = run();
        nr.backend.setKernelLevel(nr.backend.cpuInfo().best as any);
        const { values: fy, indices: fi } = run();
        expect(Array.from(fi.data() as BigInt64Array)).toEqual(Array.from(ri.data() as BigInt64Array));
        expect(Array.from(fy.data() as Float32Array)).toEqual(Array.from(ry.data() as Float32Array));
      }
    }
  });

  it('gradcheck conv2d, convTranspose2d, pooling (float64, non-contiguous input)', () => {
    nr.manualSeed(1);
    const x = rand64([2, 5, 4, 3]).permute([0, 3, 1, 2]).detach().requiresGrad_(true);  // (2,3,5,4) non-contiguous leaf
    const w = rand64([4, 3, 2, 3]), b = rand64([4]);
    gradcheck((x, w, b) => nr.conv2d(x, w, b, { stride: [2, 1], padding: [1, 2] }), [x, w, b]);
    const wt = rand64([3, 2, 3, 2]);
    gradcheck((x, w) => nr.convTranspose2d(x, w, null, { stride: 2, padding: 1, outputPadding: 1 }), [x, wt]);
    gradcheck((x) => nr.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [x]);
    gradcheck((x) => nr.adaptiveAvgPool2d(x, [3, 2]), [x]);
    gradcheck((x) => nr.maxPool2d(x, 2, { stride: 1 }), [x]);
    gradcheck((x, w) => nr.conv1d(x, w, null, { padding: 'same' }), [rand64([2, 3, 7]), rand64([2, 3, 4])]);
  });
  it('conv2d bias folded into the kernel: gradient of the bias alone, float64 bias on float32 input', () => {
    nr.manualSeed(5);
    const x = nr.randn([2, 3, 6, 5]), w = nr.randn([4, 3, 3, 3]), b = nr.randn([4]).requiresGrad_(true);
    const g = nr.randn([2, 4, 6, 5]);
    nr.conv2d(x, w, b, { padding: 1 }).backward(g);
    const want = g.sum([0, 2, 3]).toFlatArray();
    b.grad!.toFlatArray().forEach((v, i) => expect(v).toBeCloseTo(want[i], 4));
    // a bias of another dtype is added after the kernel, with type promotion as before
    const y64 = nr.conv2d(x, w, nr.zeros([4], { dtype: 'float64' }), { padding: 1 });
    expect(y64.dtype).toBe('float64');
    const y32 = nr.conv2d(x, w, null, { padding: 1 }).toFlatArray();
    y64.toFlatArray().forEach((v, i) => expect(v).toBeCloseTo(y32[i], 5));
  });
  it('pad with constant value and negative crop', () => {
    const x = nr.arange(6, undefined, 1, { dtype: 'float64' }).reshape([2, 3]).requiresGrad_(true);
    expect(nr.pad(x, [1, 0, 0, 1], -1).toArray()).toEqual([[-1, 0, 1, 2], [-1, 3, 4, 5], [-1, -1, -1, -1]]);
    expect(nr.pad(x, [-1, 1]).toArray()).toEqual([[1, 2, 0], [4, 5, 0]]);
    gradcheck((x) => nr.pad(x, [2, -1, 1, 1]), [rand64([3, 4])]);
  });
  it('rejects bad input with clear errors', () => {
    const x = nr.randn([1, 3, 8, 8]);
    expect(() => nr.conv2d(x, nr.randn([4, 2, 3, 3]))).toThrow(/conv2d: weight \[4, 2, 3, 3\] expects 2 input channels/);
    expect(() => nr.conv2d(x, nr.randn([4, 3, 9, 9]))).toThrow(/larger than the padded input/);
    expect(() => nr.conv2d(nr.randn([3, 8]), nr.randn([4, 3, 3, 3]))).toThrow(/conv2d: expected a 4-D input/);
    expect(() => nr.conv2d(x, nr.randn([4, 3, 3, 3]), null, { groups: 2 })).toThrow(/groups=2/);
    expect(() => nr.conv2d(x, nr.randn([4, 3, 3, 3], { dtype: 'float64' }))).toThrow(/same floating dtype/);
    expect(() => nr.conv2d(x, nr.randn([4, 3, 3, 3]), nr.randn([3]))).toThrow(/conv2d: bias of 3 elements for 4 output channels/);
    expect(() => nr.maxPool2d(x, 3, { padding: 2 })).toThrow(/at most half the kernel/);
    expect(() => nr.adaptiveAvgPool2d(x, 0)).toThrow(/positive/);
  });
});
