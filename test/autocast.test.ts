// nr.autocast: which ops run in low precision and which in float32, gradients in float32 on the
// master weights, the per-region cast cache, nesting, refusal of async regions, and mixed-precision
// training with GradScaler that tracks the float32 run. Runs on the CPU (float16/bfloat16 storage).
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import { castLow } from '../src/amp/autocast';

const F = nr.nn.functional;

describe('autocast', () => {
  it('casts GEMM-like ops down and range-sensitive ops up', () => {
    const x = nr.randn([4, 8]), w = nr.randn([6, 8]).requiresGrad_(), b = nr.zeros([6]).requiresGrad_();
    for (const dt of ['bfloat16', 'float16'] as const) {
      nr.autocast(dt, () => {
        expect(nr.amp.autocastDtype()).toBe(dt);
        const y = F.linear(x, w, b);
        expect(y.dtype).toBe(dt);
        expect(x.matmul(w.t()).dtype).toBe(dt);
        expect(nr.mm(x, w.t()).dtype).toBe(dt);
        expect(y.softmax(-1).dtype).toBe('float32');
        expect(F.layerNorm(y, [6]).dtype).toBe('float32');
        expect(F.crossEntropy(y, nr.tensor([0, 1, 2, 3])).dtype).toBe('float32');
        expect(y.add(1).dtype).toBe(dt);                           // other ops keep their input dtype
        expect(nr.randn([2, 2], { dtype: 'float64' }).matmul(nr.randn([2, 2], { dtype: 'float64' })).dtype).toBe('float64');
      });
    }
    expect(nr.amp.autocastDtype()).toBe(null);
    expect(F.linear(x, w, b).dtype).toBe('float32');
  });

  it('gives float32 gradients on float32 weights, close to the float32 run', () => {
    nr.manualSeed(0);
    const m = new nr.nn.Sequential(new nr.nn.Linear(16, 32), new nr.nn.GELU(), new nr.nn.Linear(32, 5));
    const x = nr.randn([8, 16]), t = nr.tensor([0, 1, 2, 3, 4, 0, 1, 2]);
    F.crossEntropy(m.forward(x), t).backward();
    const ref = m.parameters().map((p) => p.grad!.clone());
    m.zeroGrad();
    const loss = nr.autocast('bfloat16', () => F.crossEntropy(m.forward(x), t));
    expect(loss.dtype).toBe('float32');
    loss.backward();
    m.parameters().forEach((p, i) => {
      expect(p.grad!.dtype).toBe('float32');
      const err = p.grad!.sub(ref[i]).abs().max().item() as number, scale = ref[i].abs().max().item() as number;
      expect(err).toBeLessThan(0.05 * scale + 1e-4);
      expect(err).toBeGreaterThan(0);    // really computed in bfloat16
    });
  });

  it('casts a parameter once per region and again after it changes', () => {
    const w = nr.randn([3, 3]).requiresGrad_();
    nr.autocast('bfloat16', () => {
      const a = castLow(w), b = nr.tidy(() => castLow(w));
      expect(a).toBe(b);
      expect(a.isDisposed).toBe(false);
      nr.noGrad(() => w.add_(1));
      const c = castLow(w);
      expect(c).not.toBe(a);
      expect(c.toFlatArray()[0]).toBeCloseTo(w.toFlatArray()[0], 1);
      const plain = nr.randn([3]);   // not a parameter: cast every time
      expect(castLow(plain)).not.toBe(castLow(plain));
    });
  });

  it('nests, can be switched off inside, and restores the state after errors', () => {
    const x = nr.randn([2, 2]);
    nr.autocast('bfloat16', () => {
      nr.autocast('float16', () => expect(x.matmul(x).dtype).toBe('float16'));
      nr.autocast('float16', () => expect(x.matmul(x).dtype).toBe('float32'), { enabled: false });
      expect(x.matmul(x).dtype).toBe('bfloat16');
    });
    expect(() => nr.autocast('bfloat16', () => { throw new Error('boom'); })).toThrow('boom');
    expect(nr.amp.autocastDtype()).toBe(null);
  });

  it('refuses bad dtypes and async regions', () => {
    expect(() => nr.autocast('float32' as any, () => 1)).toThrow(/^autocast: dtype must be 'float16' or 'bfloat16'/);
    expect(() => nr.autocast('bfloat16', (async () => 1) as any)).toThrow(/must be synchronous/);
    expect(nr.amp.autocastDtype()).toBe(null);
  });

  it('mixed-precision training with GradScaler tracks the float32 run', () => {
    const run = (amp: boolean): number[] => {
      nr.manualSeed(7);
      const m = new nr.nn.Sequential(new nr.nn.Linear(10, 32), new nr.nn.ReLU(), new nr.nn.Linear(32, 3));
      const opt = new nr.optim.Adam(m.parameters(), { lr: 1e-2 });
      const scaler = new nr.amp.GradScaler({ initScale: 1024, enabled: amp });
      const x = nr.randn([64, 10]), y = x.slice(1, 0, 3).argmax(1);
      const losses: number[] = [];
      for (let i = 0; i < 60; i++) {
        nr.tidy(() => {
          opt.zeroGrad();
          const loss = amp ? nr.autocast('bfloat16', () => F.crossEntropy(m.forward(x), y)) : F.crossEntropy(m.forward(x), y);
          (scaler.scale(loss) as nr.Tensor).backward();
          scaler.step(opt);
          scaler.update();
          losses.push(loss.item() as number);
        });
      }
      return losses;
    };
    const full = run(false), mixed = run(true);
    expect(mixed[59]).toBeLessThan(mixed[0] * 0.3);
    expect(Math.abs(mixed[59] - full[59])).toBeLessThan(0.1 + 0.2 * full[59]);
  });
});

describe('fit with mixed precision', () => {
  it('trains under autocast with a GradScaler and gradient clipping, like the float32 run', async () => {
    const train = async (o: Record<string, unknown>) => {
      nr.manualSeed(11);
      const x = nr.randn([256, 12]), y = x.slice(1, 0, 4).argmax(1);
      const loader = new nr.data.DataLoader(new nr.data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
      const m = new nr.nn.Sequential(new nr.nn.Linear(12, 32), new nr.nn.ReLU(), new nr.nn.Linear(32, 4));
      const opt = new nr.optim.Adam(m.parameters(), { lr: 1e-2 });
      const h = await m.fit(loader, { epochs: 5, optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'], verbose: 0, gradClip: 5, ...o });
      return { h, m };
    };
    const full = await train({});
    const scaler = new nr.amp.GradScaler({ initScale: 2 ** 12 });
    const mixed = await train({ autocast: 'bfloat16', gradScaler: scaler, device: 'cpu' });
    const acc = (r: typeof full) => r.h.logs(r.h.length - 1).accuracy as number;
    expect(acc(mixed)).toBeGreaterThan(0.8);
    expect(Math.abs(acc(mixed) - acc(full))).toBeLessThan(0.08);
    expect(scaler.getScale()).toBeGreaterThan(0);
    for (const p of mixed.m.parameters()) expect(p.dtype).toBe('float32');
  });

  it('refuses bad options', async () => {
    const m = new nr.nn.Linear(2, 2);
    const opt = new nr.optim.SGD(m.parameters(), { lr: 0.1 });
    const batches = [[nr.randn([4, 2]), nr.randn([4, 2])]];
    await expect(m.fit(batches, { optimizer: opt, loss: 'mse', verbose: 0, autocast: 'float32' as any })).rejects.toThrow(/^fit: autocast must be/);
    await expect(m.fit(batches, { optimizer: opt, loss: 'mse', verbose: 0, device: 'gpu' as any })).rejects.toThrow(/^fit: unknown device "gpu"/);
    await expect(m.fit(batches, { optimizer: opt, loss: 'mse', verbose: 0, gradScaler: {} as any })).rejects.toThrow(/^fit: gradScaler must be/);
  });
});
