// nr.train: Module.fit/evaluate/predict on real data (Fashion-MNIST sample), History contents,
// callbacks (EarlyStopping with restored weights, LR scheduler, CSV logger, ModelCheckpoint, custom),
// event-loop responsiveness while training, progress output on plain and TTY streams.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as http from 'http';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';

const { nn, optim, data, train } = nr;

/** A stream that records writes (isTTY as given). */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 200, write(s: string) { chunks.push(s); return true; }, get text() { return chunks.join(''); } };
}

function fashion(n: number) {
  const { images, labels } = data.fashionMnist({ source: 'sample', split: 'train', limit: n });
  const x = data.toFloat(images).reshape([n, 784]).sub(0.286).div(0.353);
  return { x, y: labels.long() };
}

function mlp() { return new nn.Sequential(new nn.Linear(784, 64), new nn.ReLU(), new nn.Linear(64, 10)); }

/** A tiny regression problem: y = x w + b with noise. */
function regression(n = 256) {
  nr.manualSeed(1);
  const x = nr.randn([n, 4]);
  const w = nr.tensor([[1], [-2], [0.5], [3]]);
  const y = x.matmul(w).add(0.3).add(nr.randn([n, 1]).mul(0.05));
  return { x, y };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-train-'));
afterEach(() => train.setIo(null));

describe('fit', () => {
  it('an MLP on 1000 Fashion-MNIST images reaches > 75% train accuracy, History has every epoch', async () => {
    nr.manualSeed(0);
    const { x, y } = fashion(1000);
    const model = mlp();
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32, shuffle: true, seed: 0 });
    const val = new data.DataLoader(new data.TensorDataset(x.narrow(0, 0, 200), y.narrow(0, 0, 200)), { batchSize: 100 });
    const opt = new optim.Adam(model.parameters(), { lr: 2e-3 });
    const before = nr.backend.hostBytesInUse?.() ?? 0;
    const h = await model.fit(loader, { epochs: 4, optimizer: opt, loss: 'crossEntropy', metrics: ['accuracy'], validationData: val, verbose: 0 });
    expect(h.length).toBe(4);
    expect(h.epochs.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    for (const r of h.epochs) {
      expect(Number.isFinite(r.loss)).toBe(true);
      expect(r.metrics.accuracy).toBeGreaterThanOrEqual(0);
      expect(r.valLoss).toBeTypeOf('number');
      expect(r.valMetrics!.accuracy).toBeTypeOf('number');
      expect(r.lr).toBe(2e-3);
      expect(r.seconds).toBeGreaterThan(0);
    }
    const loss = h.series('loss');
    expect(loss[3]).toBeLessThan(loss[0]);
    expect(h.epochs[3].metrics.accuracy).toBeGreaterThan(0.75);
    expect(h.keys()).toEqual(['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']);
    expect(h.series('valAccuracy')).toEqual(h.series('val_accuracy'));
    expect(model.training).toBe(true);

    // evaluate agrees with a hand-written loop; predict returns (N, 10).
    const ev = await model.evaluate(val, { loss: 'crossEntropy', metrics: ['accuracy'] });
    const manual = nr.noGrad(() => {
      model.eval();
      const out = model.forward(x.narrow(0, 0, 200));
      const acc = out.argmax(1).eq(y.narrow(0, 0, 200)).float().mean().item() as number;
      const l = nn.functional.crossEntropy(out, y.narrow(0, 0, 200)).item() as number;
      model.train();
      return { acc, l };
    });
    expect(ev.accuracy).toBeCloseTo(manual.acc, 6);
    expect(ev.loss).toBeCloseTo(manual.l, 4);
    expect(h.epochs[3].valMetrics!.accuracy).toBeCloseTo(manual.acc, 6);
    const p = await model.predict(x.narrow(0, 0, 130), { batchSize: 50 });
    expect(p.shape).toEqual([130, 10]);
    expect(p.requiresGrad).toBe(false);
    const p2 = await model.predict(val);
    expect(p2.shape).toEqual([200, 10]);
    expect(model.training).toBe(true);
    // memory stays flat: a second fit run does not grow host memory by more than the optimizer state.
    const mid = nr.backend.hostBytesInUse?.() ?? 0;
    await model.fit(loader, { epochs: 1, optimizer: opt, loss: 'crossEntropy', verbose: 0 });
    const after = nr.backend.hostBytesInUse?.() ?? 0;
    if (before) expect(after - mid).toBeLessThan(64 * 1024);
  }, 30_000);

  it('regression with mse, a loss function, function metrics and gradient clipping', async () => {
    const { x, y } = regression();
    const model = new nn.Linear(4, 1);
    const batches = [] as Tensor[][];
    for (let i = 0; i < 256; i += 32) batches.push([x.narrow(0, i, 32), y.narrow(0, i, 32)]);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const maxAbs = (o: Tensor, t: Tensor) => o.sub(t).abs().max();
    const h = await model.fit(batches, { epochs: 30, optimizer: opt, loss: (o: Tensor, t: Tensor) => nn.functional.mseLoss(o, t), metrics: ['mae', maxAbs], gradClip: 5, verbose: 0 });
    expect(h.epochs[29].loss).toBeLessThan(0.01);
    expect(h.epochs[29].metrics.mae).toBeLessThan(0.1);
    expect(h.epochs[29].metrics.maxAbs).toBeTypeOf('number');
    const w = model.weight.toFlatArray();
    [1, -2, 0.5, 3].forEach((v, i) => expect(w[i]).toBeCloseTo(v, 1));
    const ev = await model.evaluate(batches, { loss: 'mse' });
    expect(ev.loss).toBeLessThan(0.01);
  });

  it('switches train/eval mode: dropout active in training steps only', async () => {
    const seen: boolean[] = [];
    class Probe extends nn.Module {
      lin = new nn.Linear(2, 1);
      forward(x: Tensor) { seen.push(this.training); return this.lin.forward(x); }
    }
    const m = new Probe();
    const b = [[nr.randn([4, 2]), nr.randn([4, 1])]];
    await m.fit(b, { epochs: 1, optimizer: new optim.SGD(m.parameters(), { lr: 0.01 }), loss: 'mse', validationData: b, verbose: 0 });
    expect(seen).toEqual([true, false]);
    m.eval();
    await m.fit(b, { epochs: 1, optimizer: new optim.SGD(m.parameters(), { lr: 0.01 }), loss: 'mse', verbose: 0 });
    expect(m.training).toBe(false);
  });

  it('runs a DataLoader over an async dataset (async iteration fallback)', async () => {
    const { x, y } = regression(64);
    const ds = { length: 64, get: async (i: number) => [x.select(0, i), y.select(0, i)] };
    const loader = new data.DataLoader(ds as any, { batchSize: 16 });
    const model = new nn.Linear(4, 1);
    const seen: number[] = [];
    class Count extends train.Callback { override onBatchBegin(i: number) { seen.push(i); } }
    const h = await model.fit(loader, { epochs: 2, optimizer: new optim.SGD(model.parameters(), { lr: 0.1 }), loss: 'mse', callbacks: [new Count()], verbose: 0 });
    expect(h.length).toBe(2);
    expect(seen).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
    expect(h.epochs[1].loss).toBeLessThan(h.epochs[0].loss);
    expect((await model.predict(loader)).shape).toEqual([64, 1]);
  });

  it('rejects bad options', async () => {
    const m = new nn.Linear(2, 1);
    const b = [[nr.randn([4, 2]), nr.randn([4, 1])]];
    const opt = new optim.SGD(m.parameters(), { lr: 0.01 });
    await expect(m.fit(b, { optimizer: opt, loss: 'nope' as any })).rejects.toThrow(/loss must be/);
    await expect(m.fit(b, { optimizer: {} as any, loss: 'mse' })).rejects.toThrow(/optimizer/);
    await expect(m.fit(b, { optimizer: opt, loss: 'mse', metrics: ['f1' as any] })).rejects.toThrow(/unknown metric/);
    await expect(m.fit(42 as any, { optimizer: opt, loss: 'mse' })).rejects.toThrow(/iterable/);
    await expect(m.fit(b, { optimizer: opt, loss: () => nr.randn([3]) as any, verbose: 0 })).rejects.toThrow(/one-element/);
    await expect(m.evaluate(b, {})).rejects.toThrow(/loss and\/or metrics/);
  });
});

describe('callbacks', () => {
  it('EarlyStopping stops after patience and restores the best weights', async () => {
    const { x, y } = regression(64);
    const model = new nn.Linear(4, 1);
    const b = [[x, y]];
    // Validation loss is scripted: best at epoch 2, worse afterwards.
    const scripted = [5, 1, 2, 3, 4, 5, 6, 7];
    let weightsAtBest: number[] = [];
    class Script extends train.Callback {
      override onEpochEnd(epoch: number, logs: Record<string, number>) {
        logs.val_loss = scripted[epoch - 1];
        if (epoch === 2) weightsAtBest = model.weight.toFlatArray();
      }
    }
    const es = new train.EarlyStopping({ monitor: 'valLoss', patience: 2, restoreBestWeights: true });
    const h = await model.fit(b, { epochs: 8, optimizer: new optim.SGD(model.parameters(), { lr: 0.05 }), loss: 'mse', callbacks: [new Script(), es], verbose: 0 });
    expect(h.length).toBe(5);            // epochs 3, 4 no better; 5 exceeds patience 2
    expect(es.stoppedEpoch).toBe(5);
    expect(es.bestEpoch).toBe(2);
    expect(h.series('val_loss')).toEqual([5, 1, 2, 3, 4]);
    expect(model.weight.toFlatArray()).toEqual(weightsAtBest);
  });

  it('EarlyStopping mode max on accuracy and minDelta', async () => {
    const es = new train.EarlyStopping({ monitor: 'val_accuracy', patience: 0, minDelta: 0.05 });
    expect(es.mode).toBe('max');
    const m = new nn.Linear(1, 1);
    es.setContext({ model: m, epochs: 5 });
    es.onTrainBegin();
    es.onEpochEnd(1, { val_accuracy: 0.5 });
    es.onEpochEnd(2, { val_accuracy: 0.53 });
    expect(es.stopTraining).toBe(true);
  });

  it('LR scheduler callback steps per epoch, per batch, and feeds ReduceLROnPlateau', async () => {
    const m = new nn.Linear(2, 1);
    const b = [[nr.randn([4, 2]), nr.randn([4, 1])], [nr.randn([4, 2]), nr.randn([4, 1])]];
    let opt = new optim.SGD(m.parameters(), { lr: 1 });
    let h = await m.fit(b, { epochs: 3, optimizer: opt, loss: 'mse', scheduler: new optim.lrScheduler.StepLR(opt, { stepSize: 1, gamma: 0.5 }), verbose: 0 });
    expect(h.series('lr')).toEqual([1, 0.5, 0.25]);
    expect(opt.paramGroups[0].lr).toBe(0.125);
    opt = new optim.SGD(m.parameters(), { lr: 1 });
    const perBatch = new train.LRSchedulerCallback(new optim.lrScheduler.ExponentialLR(opt, { gamma: 0.5 }), { interval: 'batch' });
    h = await m.fit(b, { epochs: 2, optimizer: opt, loss: 'mse', callbacks: [perBatch], verbose: 0 });
    expect(h.series('lr')).toEqual([1, 0.25]);
    opt = new optim.SGD(m.parameters(), { lr: 1 });
    const plateau = new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, factor: 0.1 });
    class Flat extends train.Callback { override onEpochEnd(_e: number, logs: Record<string, number>) { logs.val_loss = 1; } }
    h = await m.fit(b, { epochs: 3, optimizer: opt, loss: 'mse', callbacks: [new Flat()], scheduler: plateau, verbose: 0 });
    const lrs = h.series('lr');
    expect(lrs[0]).toBe(1);
    expect(lrs[1]).toBeCloseTo(1, 12);      // first value sets best
    expect(lrs[2]).toBeCloseTo(0.1, 12);    // second equal value is a plateau
  });

  it('CSVLogger writes a header and one row per epoch', async () => {
    const file = path.join(tmp, 'log.csv');
    const m = new nn.Linear(2, 1);
    const b = [[nr.randn([4, 2]), nr.randn([4, 1])]];
    const h = await m.fit(b, { epochs: 3, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', metrics: ['mae'], validationData: b, callbacks: [new train.CSVLogger(file)], verbose: 0 });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('epoch,loss,mae,val_loss,val_mae,lr');
    expect(lines.length).toBe(4);
    lines.slice(1).forEach((l, i) => {
      const cells = l.split(',').map(Number);
      expect(cells[0]).toBe(i + 1);
      expect(cells[1]).toBeCloseTo(h.epochs[i].loss, 10);
      expect(cells[3]).toBeCloseTo(h.epochs[i].valLoss!, 10);
    });
    // append continues the same columns
    await m.fit(b, { epochs: 1, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', metrics: ['mae'], validationData: b, callbacks: [new train.CSVLogger(file, { append: true })], verbose: 0 });
    expect(fs.readFileSync(file, 'utf8').trim().split('\n').length).toBe(5);
  });

  it('ModelCheckpoint needs io (clear error) and saves best epochs through it', async () => {
    expect(() => new train.ModelCheckpoint(path.join(tmp, 'm.safetensors'))).toThrow(/not implemented/);
    expect(() => new train.TensorBoardCallback(path.join(tmp, 'tb'))).toThrow(/not implemented/);
    const written: [string, string[]][] = [];
    train.setIo({ save: (p, sd) => { written.push([p, Object.keys(sd)]); fs.writeFileSync(p, 'x'); } });
    const ck = new train.ModelCheckpoint(path.join(tmp, 'ck', 'model-{epoch:02d}-{val_loss:.2f}.st'), { saveBestOnly: true });
    const m = new nn.Linear(2, 1);
    const scripted = [3, 2, 2.5, 1];
    class Script extends train.Callback { override onEpochEnd(e: number, logs: Record<string, number>) { logs.val_loss = scripted[e - 1]; } }
    await m.fit([[nr.randn([4, 2]), nr.randn([4, 1])]], { epochs: 4, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', callbacks: [new Script(), ck], verbose: 0 });
    expect(written.map(([p]) => path.basename(p))).toEqual(['model-01-3.00.st', 'model-02-2.00.st', 'model-04-1.00.st']);
    expect(written[0][1]).toEqual(['weight', 'bias']);
    expect(train.formatPath('e{epoch:03d}_{loss:.3f}_{missing}', 7, { loss: 0.12345 })).toBe('e007_0.123_{missing}');
  });

  it('hooks run in order, async hooks are awaited, stopTraining mid-epoch ends training', async () => {
    const events: string[] = [];
    class Rec extends train.Callback {
      override async onTrainBegin() { await new Promise((r) => setTimeout(r, 5)); events.push('trainBegin'); }
      override onEpochBegin(e: number) { events.push(`epochBegin${e}`); }
      override onBatchBegin(i: number) { events.push(`batchBegin${i}`); }
      override onBatchEnd(i: number, logs: Record<string, number>) {
        events.push(`batchEnd${i}:${logs.size}`);
        if (i === 1) this.stopTraining = true;
      }
      override onEpochEnd(e: number) { events.push(`epochEnd${e}`); }
      override onTrainEnd() { events.push('trainEnd'); }
    }
    const m = new nn.Linear(2, 1);
    const b = [0, 1, 2].map(() => [nr.randn([3, 2]), nr.randn([3, 1])]);
    const h = await m.fit(b, { epochs: 5, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', callbacks: [new Rec()], verbose: 0 });
    expect(events).toEqual(['trainBegin', 'epochBegin1', 'batchBegin0', 'batchEnd0:3', 'batchBegin1', 'batchEnd1:3', 'epochEnd1', 'trainEnd']);
    expect(h.length).toBe(1);
  });
});

describe('event loop', () => {
  // Trains until at least `minMs` have passed (a callback stops fit), so the run is long enough for
  // a blocked event loop to show on any machine speed.
  async function trainWhileServing(minMs: number, yieldEveryMs?: number) {
    nr.manualSeed(0);
    const x = nr.randn([4096, 64]);
    const y = nr.randint(0, 10, [4096]);
    const model = new nn.Sequential(new nn.Linear(64, 256), new nn.ReLU(), new nn.Linear(256, 10));
    const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 32 });
    const server = http.createServer((_req, res) => res.end('pong'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as any).port;
    const t0 = performance.now();
    let last = t0, worst = 0;
    const timer = setInterval(() => { const now = performance.now(); worst = Math.max(worst, now - last); last = now; }, 5);
    let answered = 0;
    const stepTimes: number[] = [];
    let t = 0;
    class StepTimer extends train.Callback {
      override onBatchBegin() { t = performance.now(); }
      override onBatchEnd() {
        stepTimes.push(performance.now() - t);
        if (performance.now() - t0 > minMs) this.stopTraining = true;
      }
    }
    const poll = async () => {
      for (let i = 0; i < 5; i++) {
        const body = await new Promise<string>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: '/' }, (res) => { let s = ''; res.on('data', (c) => (s += c)); res.on('end', () => resolve(s)); }).on('error', reject);
        });
        if (body === 'pong') answered++;
      }
    };
    let trainedAt = 0;
    const fitting = model.fit(loader, { epochs: 1000, optimizer: new optim.SGD(model.parameters(), { lr: 0.01 }), loss: 'crossEntropy', callbacks: [new StepTimer()], verbose: 0, yieldEveryMs })
      .then((h) => { trainedAt = performance.now(); return h; });
    let answeredAt = 0;
    await Promise.all([fitting, poll().then(() => { answeredAt = performance.now(); })]);
    const elapsed = performance.now() - t0;
    clearInterval(timer);
    await new Promise<void>((r) => server.close(() => r()));
    stepTimes.sort((a, b) => a - b);
    return { worst, elapsed, answered, answeredAt, trainedAt, medianStep: stepTimes[stepTimes.length >> 1], steps: stepTimes.length };
  }

  it('timers and an HTTP server keep answering while a model trains', async () => {
    const r = await trainWhileServing(600);
    expect(r.steps).toBeGreaterThan(0);
    expect(r.elapsed).toBeGreaterThan(600);        // long enough that a blocked loop would show
    expect(r.medianStep).toBeLessThan(100);        // steps are short next to the 600 ms window (loose: machine load)
    expect(r.answered).toBe(5);
    expect(r.answeredAt).toBeLessThan(r.trainedAt); // the server answered during training
    expect(r.worst).toBeLessThan(450);             // a loop blocked for the whole fit would show >= 600
  }, 30_000);

  it('control: without yielding the same training blocks the timers', async () => {
    const r = await trainWhileServing(600, 1e9);
    expect(r.answeredAt).toBeGreaterThanOrEqual(r.trainedAt);
    expect(r.worst).toBeGreaterThan(300);
  }, 30_000);
});

describe('progress output', () => {
  const run = async (stream: any, verbose: 0 | 1 | 2) => {
    const m = new nn.Linear(2, 1);
    const b = [0, 1, 2, 3].map(() => [nr.randn([3, 2]), nr.randn([3, 1])]);
    return m.fit(b, { epochs: 2, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', metrics: ['mae'], validationData: b, verbose, stream });
  };

  it('non-TTY: one plain line per epoch, no ANSI codes', async () => {
    const s = sink(false);
    await run(s, 1);
    const lines = s.text.trimEnd().split('\n');
    expect(lines.length).toBe(2);
    expect(s.text).not.toMatch(/\x1b|\r/);
    expect(lines[0]).toMatch(/^epoch 1\/2 {2}4 steps {2}loss \d+\.\d{4} {2}mae \d+\.\d{4} {2}val_loss \d+\.\d{4} {2}val_mae \d+\.\d{4} .*steps\/s$/);
    const s2 = sink(true);
    await run(s2, 2);
    expect(s2.text).not.toMatch(/\x1b|\r/);
    expect(s2.text.trimEnd().split('\n').length).toBe(2);
    const s0 = sink(true);
    await run(s0, 0);
    expect(s0.text).toBe('');
  });

  it('TTY: a bar redrawn in place with steps/s and ETA, then the epoch line', async () => {
    const s = sink(true);
    const loader = new data.DataLoader(new data.TensorDataset(nr.randn([12, 2]), nr.randn([12, 1])), { batchSize: 3 });
    const m = new nn.Linear(2, 1);
    await m.fit(loader, { epochs: 2, optimizer: new optim.SGD(m.parameters(), { lr: 0.1 }), loss: 'mse', verbose: 1, stream: s });
    const redraws = s.chunks.filter((c) => c.startsWith('\r\x1b[2K') && !c.endsWith('\n'));
    expect(redraws.length).toBeGreaterThanOrEqual(2);
    expect(redraws[0]).toMatch(/epoch 1\/2 \[.*\] \d\/4 {2}loss \d+\.\d{4} {2}[\d.]+ steps\/s ETA/);
    expect(redraws.some((c) => c.includes('[========================] 4/4'))).toBe(true);
    const finals = s.chunks.filter((c) => c.endsWith('\n'));
    expect(finals.length).toBe(2);
    expect(finals[1]).toMatch(/^\r\x1b\[2Kepoch 2\/2 {2}4 steps {2}loss/);
  });

  it('formats durations and values', () => {
    expect(train.fmtDuration(3.21)).toBe('3.2s');
    expect(train.fmtDuration(125)).toBe('2m05s');
    expect(train.fmtValue(0.5)).toBe('0.5000');
    expect(train.fmtValue(1e-5)).toBe('1.000e-5');
  });
});
