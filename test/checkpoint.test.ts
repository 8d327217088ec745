// Checkpoints: resuming a tiny training run (raw tensors + nr.optim optimizer + scheduler + RNG) from a
// checkpoint gives a bit-identical trajectory to the uninterrupted run; plain data round-trips exactly;
// every truncation and every single-bit flip of a checkpoint is rejected; a process killed in the
// middle of a save (while writing the temporary file, or between writing and renaming) leaves the
// previous checkpoint intact.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { compiledIndex, removeCompiled } from './util/compiled';
import { rng } from './util/levels';

const { io, optim, nn } = nr;
let dir = '';
beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-ckpt-')); });
afterAll(() => { fs.rmSync(dir, { recursive: true, force: true }); removeCompiled(); });

const hex = (t: Tensor) => { const d = t.data(); return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('hex'); };

// ---- a tiny model: pred = sum_h w2[h] * tanh(sum_d x[d] * W1[h, d] + b1[h]) * dropoutMask[h] --------
const B = 8, D = 3, H = 5;
type Setup = { params: Tensor[]; opt: any; sched: any; plateau: boolean };

function makeSetup(kind: 'adam' | 'sgd', seed: number): Setup {
  nr.manualSeed(seed);
  const params = [nr.randn([H, D]), nr.randn([H]), nr.randn([H], { dtype: 'float64' }).mul(0.5)].map((p) => p.requiresGrad_(true));
  if (kind === 'adam') {
    const opt = new optim.AdamW([{ params: params.slice(0, 2) }, { params: params.slice(2), lr: 0.02 }], { lr: 0.05, amsgrad: true });
    return { params, opt, sched: new optim.lrScheduler.CosineAnnealingLR(opt, { tMax: 7, etaMin: 1e-3 }), plateau: false };
  }
  const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 });
  return { params, opt, sched: new optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 0, factor: 0.5 }), plateau: true };
}

/** One training step; draws its batch and a dropout mask from the global RNG. Returns a snapshot. */
function trainStep(s: Setup): string[] {
  const [W1, b1, w2] = s.params;
  const x = nr.randn([B, 1, D]);
  const y = x.sum([1, 2]).tanh();
  const mask = nr.rand([B, H]).gt(0.2).to('float32').mul(1.25);
  const h = x.mul(W1).sum(2).add(b1).tanh().mul(mask);
  const pred = h.to('float64').mul(w2).sum(1);
  const loss = pred.sub(y.to('float64')).pow(2).mean();
  s.opt.zeroGrad();
  loss.backward();
  s.opt.step();
  if (s.plateau) s.sched.step(loss.item()); else s.sched.step();
  return [...s.params.map(hex), JSON.stringify(s.opt.paramGroups.map((g: any) => g.lr))];
}

describe('resume gives a bit-identical trajectory', () => {
  for (const kind of ['adam', 'sgd'] as const) {
    it(`${kind}: 4 steps + checkpoint + 4 steps in a fresh setup == 8 steps`, () => {
      const full = makeSetup(kind, 123);
      const want = Array.from({ length: 8 }, () => trainStep(full));

      const first = makeSetup(kind, 123);
      for (let i = 0; i < 4; i++) expect(trainStep(first)).toEqual(want[i]);
      const file = path.join(dir, `resume-${kind}.ckpt`);
      io.saveCheckpoint(file, {
        model: { W1: first.params[0], b1: first.params[1], w2: first.params[2] },
        optimizer: first.opt.stateDict(), scheduler: first.sched.stateDict(), rng: nr.getRngState(), epoch: 0, step: 4,
        extra: { note: 'tiny' },
      });
      // keep training the original objects: the checkpoint must not alias them
      trainStep(first);

      const fresh = makeSetup(kind, 999);            // different weights, RNG, empty optimizer state
      const ck = io.loadCheckpoint(file);
      expect(ck.step).toBe(4);
      expect(ck.extra).toEqual({ note: 'tiny' });
      nr.noGrad(() => {
        fresh.params[0].copy_(ck.model!.W1); fresh.params[1].copy_(ck.model!.b1); fresh.params[2].copy_(ck.model!.w2);
      });
      expect(ck.model!.w2.dtype).toBe('float64');
      fresh.opt.loadStateDict(ck.optimizer!);
      fresh.sched.loadStateDict(ck.scheduler!);
      nr.setRngState(ck.rng!);
      for (let i = 4; i < 8; i++) expect(trainStep(fresh), `step ${i + 1}`).toEqual(want[i]);
    });
  }

  it('ReduceLROnPlateau state with best = Infinity survives (before any step)', () => {
    const s = makeSetup('sgd', 1);
    const file = path.join(dir, 'plateau.ckpt');
    io.saveCheckpoint(file, { scheduler: s.sched.stateDict() });
    expect(io.loadCheckpoint(file).scheduler).toEqual(s.sched.stateDict());
    expect((io.loadCheckpoint(file).scheduler as any).best).toBe(Infinity);
  });
});

describe('resume with nn modules', () => {
  // Linear + BatchNorm (running stats, int64 num_batches_tracked) + Dropout (RNG) + Linear, AdamW, StepLR
  function makeModel(seed: number) {
    nr.manualSeed(seed);
    const m = new nn.Sequential(new nn.Linear(3, 6), new nn.BatchNorm1d(6), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(6, 1));
    const opt = new optim.AdamW(m.parameters(), { lr: 0.01 });
    return { m, opt, sched: new optim.lrScheduler.StepLR(opt, { stepSize: 2, gamma: 0.5 }) };
  }
  function step(s: ReturnType<typeof makeModel>): string[] {
    const x = nr.randn([8, 3]);
    const loss = (s.m.forward(x) as Tensor).sub(x.sum(1, { keepdim: true }).tanh()).pow(2).mean();
    s.opt.zeroGrad();
    loss.backward();
    s.opt.step();
    s.sched.step();
    return Object.entries(s.m.stateDict()).map(([k, t]) => `${k}=${hex(t)}`);
  }

  it('model.stateDict() + optimizer + scheduler + RNG: resumed training is bit-identical', () => {
    const full = makeModel(7);
    const want = Array.from({ length: 6 }, () => step(full));
    const a = makeModel(7);
    for (let i = 0; i < 3; i++) step(a);
    const file = path.join(dir, 'module.ckpt');
    io.saveCheckpoint(file, { model: a.m.stateDict(), optimizer: a.opt.stateDict(), scheduler: a.sched.stateDict(), rng: nr.getRngState(), epoch: 0, step: 3 });
    const b = makeModel(8);
    const ck = io.loadCheckpoint(file);
    expect(ck.model!['1.num_batches_tracked'].dtype).toBe('int64');
    expect(b.m.loadStateDict(ck.model!)).toEqual({ missingKeys: [], unexpectedKeys: [] });
    b.opt.loadStateDict(ck.optimizer!);
    b.sched.loadStateDict(ck.scheduler!);
    nr.setRngState(ck.rng!);
    for (let i = 3; i < 6; i++) expect(step(b), `step ${i + 1}`).toEqual(want[i]);
  });
});

describe('state round trip', () => {
  it('plain data is stored exactly: NaN, Infinity, -0, bigint, undefined, nested arrays, $-keys', () => {
    const state = {
      epoch: 3, step: 2 ** 53 - 1, extra: {
        nan: NaN, inf: Infinity, ninf: -Infinity, nz: -0, big: -(2n ** 70n), undef: undefined, nul: null,
        s: 'ünï "q" \n', arr: [1, [2, [3, undefined]], { a: true }], $tensor: 'not a tag', $x: { $y: 1 },
        pi: Math.PI, tiny: 5e-324, ['__proto__']: 'own key',
      },
    };
    Object.defineProperty(state.extra, '__proto__', { value: 'own key', enumerable: true });
    const file = path.join(dir, 'data.ckpt');
    io.saveCheckpoint(file, state);
    const back = io.loadCheckpoint(file) as any;
    expect(back.epoch).toBe(3);
    expect(back.step).toBe(2 ** 53 - 1);
    const e = back.extra;
    expect(e.nan).toBeNaN();
    expect(e.inf).toBe(Infinity);
    expect(e.ninf).toBe(-Infinity);
    expect(Object.is(e.nz, -0)).toBe(true);
    expect(e.big).toBe(-(2n ** 70n));
    expect('undef' in e && e.undef === undefined).toBe(true);
    expect(e.nul).toBeNull();
    expect(e.arr).toEqual([1, [2, [3, undefined]], { a: true }]);
    expect(e.$tensor).toBe('not a tag');
    expect(e.$x).toEqual({ $y: 1 });
    expect(e.pi).toBe(Math.PI);
    expect(e.tiny).toBe(5e-324);
    expect(Object.getOwnPropertyDescriptor(e, '__proto__')!.value).toBe('own key');
    expect(Object.getPrototypeOf(e)).toBe(Object.prototype);
  });

  it('tensors anywhere in the tree, every dtype, views, shared tensors; readable as plain safetensors', () => {
    const base = nr.arange(12, undefined, 1, { dtype: 'float32' }).reshape([3, 4]);
    const state = {
      model: { 'fc.weight': base.transpose(0, 1), 'fc.bias': base.narrow(0, 1, 1) },
      extra: { list: [nr.tensor([1, 2], { dtype: 'int64' }), nr.tensor([true, false])], same: base, h: nr.tensor([0.5], { dtype: 'float16' }) },
      'model.fc.weight': nr.tensor([7], { dtype: 'uint8' }),   // collides with the path name of model['fc.weight']
    };
    const file = path.join(dir, 'tensors.ckpt');
    io.saveCheckpoint(file, state);
    const back = io.loadCheckpoint(file) as any;
    expect(back.model['fc.weight'].toArray()).toEqual(base.transpose(0, 1).toArray());
    expect(back.model['fc.bias'].toArray()).toEqual([[4, 5, 6, 7]]);
    expect(back.extra.list[0].dtype).toBe('int64');
    expect(back.extra.list[0].toArray()).toEqual([1, 2]);
    expect(back.extra.list[1].toArray()).toEqual([true, false]);
    expect(back.extra.same.toArray()).toEqual(base.toArray());
    expect(back.extra.h.dtype).toBe('float16');
    expect(back['model.fc.weight'].toArray()).toEqual([7]);
    const plain = io.load(file);
    expect(Object.keys(plain).sort()).toEqual(['extra.h', 'extra.list.0', 'extra.list.1', 'extra.same', 'model.fc.bias', 'model.fc.weight', 'model.fc.weight~1'].sort());
    expect(io.readHeader(file).metadata!.format).toBe('neurona.checkpoint');
  });

  it('bad state: clear errors, and the existing checkpoint is untouched', () => {
    const file = path.join(dir, 'bad.ckpt');
    io.saveCheckpoint(file, { epoch: 1 });
    const before = fs.readFileSync(file);
    const circ: any = { a: 1 };
    circ.self = circ;
    expect(() => io.saveCheckpoint(file, { extra: new Map([[1, 2]]) })).toThrow(/extra is a Map; checkpoints hold plain objects/);
    expect(() => io.saveCheckpoint(file, { extra: { f: () => 1 } })).toThrow(/extra\.f is a function/);
    expect(() => io.saveCheckpoint(file, { extra: circ })).toThrow(/extra\.self refers back to one of its parents/);
    expect(() => io.saveCheckpoint(file, { extra: new Float32Array(2) })).toThrow(/is a Float32Array/);
    expect(() => io.saveCheckpoint(file, [] as any)).toThrow(/state must be an object/);
    const t = nr.ones([1]);
    t.dispose();
    expect(() => io.saveCheckpoint(file, { model: { t } })).toThrow(/disposed/);
    expect(() => io.saveCheckpoint(path.join(dir, 'no', 'such', 'dir.ckpt'), { epoch: 1 })).toThrow(/ENOENT/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('corrupt checkpoints are rejected', () => {
  let good: Buffer;
  beforeAll(() => {
    const file = path.join(dir, 'good.ckpt');
    nr.manualSeed(5);
    const s = makeSetup('adam', 5);
    trainStep(s);
    io.saveCheckpoint(file, { model: { W1: s.params[0], b1: s.params[1] }, optimizer: s.opt.stateDict(), rng: nr.getRngState(), epoch: 1 });
    good = fs.readFileSync(file);
  });
  const probe = path.join(os.tmpdir(), `nr-ckpt-probe-${process.pid}.ckpt`);
  afterAll(() => fs.rmSync(probe, { force: true }));
  function loadBytes(b: Uint8Array): unknown {
    fs.writeFileSync(probe, b);
    return io.loadCheckpoint(probe);
  }

  it('the intact file loads', () => {
    expect((loadBytes(good) as any).epoch).toBe(1);
  });

  it('every truncation is rejected', () => {
    const before = nr.backend.hostBytesInUse();
    fs.writeFileSync(probe, good);
    const fd = fs.openSync(probe, 'r+');
    try {
      for (let n = good.length - 1; n >= 0; n--) {           // shrink the file one byte at a time
        fs.ftruncateSync(fd, n);
        expect(() => io.loadCheckpoint(probe), `truncated to ${n} bytes`).toThrow(io.CheckpointError);
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(() => loadBytes(good.subarray(0, good.length - 1))).toThrow(/is not a valid checkpoint: .*\(the file is truncated or corrupt\)/);
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });

  it('every single-bit flip is rejected (the checksum covers prefix, header and data)', () => {
    const r = rng(3);
    const before = nr.backend.hostBytesInUse();
    const msgs = new Set<string>();
    fs.writeFileSync(probe, good);
    const fd = fs.openSync(probe, 'r+');
    try {
      for (let pos = 0; pos < good.length; pos++) {          // flip one bit in place, load, restore
        fs.writeSync(fd, Uint8Array.of(good[pos] ^ (1 << Math.floor(r() * 8))), 0, 1, pos);
        let err: unknown = null;
        try { io.loadCheckpoint(probe); } catch (e) { err = e; }
        expect(err, `bit flip at byte ${pos} was not detected`).toBeInstanceOf(io.CheckpointError);
        msgs.add((err as Error).message.replace(/^.*is not a valid checkpoint: /, '').replace(/[0-9a-f]{64}/g, 'H').slice(0, 40));
        fs.writeSync(fd, good, pos, 1, pos);
      }
    } finally {
      fs.closeSync(fd);
    }
    expect(fs.readFileSync(probe).equals(good)).toBe(true);
    expect(nr.backend.hostBytesInUse()).toBe(before);
    const flipData = Buffer.from(good);
    flipData[good.length - 3] ^= 0x10;
    expect(() => loadBytes(flipData)).toThrow(/checksum mismatch \(recorded sha256 [0-9a-f]{64}, the file's is [0-9a-f]{64}\): the file is corrupt/);
    expect(msgs.size).toBeGreaterThan(3);
  });

  it('random bytes and foreign files', () => {
    const r = rng(11);
    for (let i = 0; i < 50; i++) {
      expect(() => loadBytes(Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256))))).toThrow(io.CheckpointError);
    }
    const plain = io.serialize({ w: nr.ones([2]) });
    expect(() => loadBytes(plain)).toThrow(/no "format": "neurona.checkpoint" metadata \(a plain safetensors file\? load it with io.load\)/);
    expect(() => io.loadCheckpoint(path.join(dir, 'nope.ckpt'))).toThrow(/loadCheckpoint: cannot open .*nope.ckpt: no such file/);
  });
});

describe('a crash during save leaves the previous checkpoint intact', () => {
  // A child process saves checkpoint 1, then dies (SIGKILL) in the middle of saving checkpoint 2.
  const CHILD = `
    const [index, file, mode] = process.argv.slice(1);   // node -e: argv[0] is node itself
    const nr = require(index);
    const fs = require('fs');
    const state = (v) => ({ model: { w: nr.full([4096], v) }, epoch: v, step: v * 100 });
    nr.io.saveCheckpoint(file, state(1));
    const die = () => { process.kill(process.pid, 'SIGKILL'); for (;;) {} };
    if (mode === 'rename') fs.renameSync = die;
    if (mode === 'write') {
      const orig = fs.writeSync;
      let calls = 0;
      fs.writeSync = function (fd, buf, off, len, pos) {
        if (++calls === 2) { orig.call(fs, fd, buf, off, Math.floor(len / 2), pos); die(); }
        return orig.apply(fs, arguments);
      };
    }
    if (mode === 'fsync') fs.fsyncSync = die;
    nr.io.saveCheckpoint(file, state(2));
    console.log('saved 2');
  `;
  let index = '';
  beforeAll(() => { index = compiledIndex(); });

  for (const mode of ['write', 'fsync', 'rename', 'none'] as const) {
    it(mode === 'none' ? 'control: without a crash the new checkpoint replaces the old one' : `killed during ${mode}`, () => {
      const sub = fs.mkdtempSync(path.join(dir, `crash-${mode}-`));
      const file = path.join(sub, 'model.ckpt');
      const r = spawnSync(process.execPath, ['-e', CHILD, index, file, mode], { encoding: 'utf8' });
      if (mode === 'none') {
        expect(r.status, r.stderr).toBe(0);
        expect(io.loadCheckpoint(file).epoch).toBe(2);
        expect(fs.readdirSync(sub)).toEqual(['model.ckpt']);
        return;
      }
      expect(r.signal).toBe('SIGKILL');
      const ck = io.loadCheckpoint(file);
      expect(ck.epoch).toBe(1);
      expect(ck.step).toBe(100);
      expect(ck.model!.w.toFlatArray().every((v) => v === 1)).toBe(true);
      const leftovers = fs.readdirSync(sub).filter((f) => f !== 'model.ckpt');
      expect(leftovers).toHaveLength(1);
      expect(leftovers[0]).toMatch(/^\.model\.ckpt\.tmp-\d+-[0-9a-f]+$/);
      // the torn temporary file itself is rejected, not half-loaded
      if (mode === 'write') expect(() => io.loadCheckpoint(path.join(sub, leftovers[0]))).toThrow(io.CheckpointError);
    });
  }
});
