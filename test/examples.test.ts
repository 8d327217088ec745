// Smoke test of examples/*.js: each runs with --smoke (a few batches) in a child process against a fresh
// transpile of src/ (test/util/compiled.ts, passed through NEURONA_EXAMPLES_LIB), writing into a temporary
// --out folder; checks exit code 0, the lines each example must print and the files it must write.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compiledIndex, removeCompiled } from './util/compiled';

const EXAMPLES = path.resolve(__dirname, '..', 'examples');

interface Case { name: string; script: string; args?: string[]; prints: RegExp[]; files: string[] }
const CASES: Case[] = [
  { name: 'perceptron', script: 'perceptron.js', prints: [/epoch 1: \d+ mistakes/, /training accuracy: [\d.]+%/], files: ['weights.json'] },
  { name: 'linear-regression', script: 'linear-regression.js', prints: [/step 20: mse [\d.]+/, /learned: w = \[/, /max coefficient error: [\d.]+/], files: ['fit.json'] },
  { name: 'mlp', script: 'mlp.js', prints: [/256 train \/ 128 test/, /epoch 1\/1 .*test acc [\d.]+%/, /test accuracy: [\d.]+%/], files: ['training-curve.svg'] },
  { name: 'cnn', script: 'cnn.js', prints: [/epoch 1\/1 /, /test accuracy: [\d.]+%/], files: ['training-curve.svg'] },
  { name: 'resnet', script: 'resnet.js', prints: [/epoch 1\/1 /, /test accuracy: [\d.]+%/], files: ['training-curve.svg'] },
  { name: 'vit', script: 'vit.js', prints: [/epoch 1\/1 /, /test accuracy: [\d.]+%/], files: ['training-curve.svg'] },
  { name: 'char-lstm', script: 'char-lstm.js', prints: [/vocabulary \d+/, /step 3\/3 +loss [\d.]+/, /sample \(temperature 0.5\):\nThe /], files: ['samples.txt'] },
  { name: 'char-gru', script: 'char-lstm.js', args: ['--cell', 'gru'], prints: [/^char-gru: /m, /step 3\/3 /], files: ['samples.txt'] },
  { name: 'gpt', script: 'gpt.js', prints: [/context 64/, /step 3\/3 +loss [\d.]+/, /sample \(temperature 0.6, top-10\):\nThe /], files: ['samples.txt'] },
  { name: 'autoencoder', script: 'autoencoder.js', prints: [/^autoencoder: /m, /test reconstruction bce: [\d.]+/], files: ['reconstructions.png'] },
  { name: 'denoising-autoencoder', script: 'autoencoder.js', args: ['--denoising'], prints: [/^denoising-autoencoder: /m, /test reconstruction bce/], files: ['reconstructions.png'] },
  { name: 'vae', script: 'vae.js', prints: [/epoch 1\/1 +recon [\d.]+ +kl [\d.]+/], files: ['reconstructions.png', 'samples.png'] },
  { name: 'dcgan', script: 'dcgan.js', prints: [/epoch 1\/1 +loss D [\d.]+ +loss G [\d.]+/], files: ['epoch-01.png'] },
  { name: 'cgan', script: 'cgan.js', prints: [/grid rows: T-shirt/, /epoch 1\/1 +loss D [\d.]+ +loss G [\d.]+/], files: ['epoch-01.png'] },
  { name: 'transfer', script: 'transfer.js',
    prints: [/source task \(10 classes\) test accuracy/, /loaded 6 tensors/, /130 of \d+ parameters trainable, test accuracy [\d.]+%/, /baseline\): test accuracy/],
    files: ['backbone-smoke.safetensors'] },
  { name: 'walkthrough', script: 'walkthrough.js',
    prints: [/epoch 1\/1 .*val_accuracy [\d.]+/, /test accuracy [\d.]+%/, /checkpoint from epoch 1, 16 tensors/, /prediction: .+ \(p = [\d.]+\), label: /,
      /restored model matches the trained one: max \|difference\| 0\n/],
    files: ['best.safetensors', 'fashion-cnn.safetensors', 'fashion-cnn.ckpt'] },
];

interface Result { code: number | null; out: string }
let lib = '';
let tmp = '';
const results = new Map<string, Promise<Result>>();

/** Runs one example; at most two at a time (the machine has two cores). */
let running = 0;
const queue: (() => void)[] = [];
function runCase(c: Case): Promise<Result> {
  return new Promise((resolve) => {
    const start = () => {
      running++;
      const args = [path.join(EXAMPLES, c.script), '--smoke', '--out', path.join(tmp, c.name), ...(c.args ?? [])];
      const child = spawn(process.execPath, args, { env: { ...process.env, NEURONA_EXAMPLES_LIB: lib } });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('close', (code) => { running--; queue.shift()?.(); resolve({ code, out }); });
    };
    if (running < 2) start(); else queue.push(start);
  });
}

beforeAll(() => {
  lib = compiledIndex();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-examples-'));
  for (const c of CASES) results.set(c.name, runCase(c));
});
afterAll(() => {
  removeCompiled();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('examples --smoke', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const r = await results.get(c.name)!;
      expect(r.code, r.out).toBe(0);
      for (const re of c.prints) expect(r.out).toMatch(re);
      for (const f of c.files) expect(fs.statSync(path.join(tmp, c.name, f)).size).toBeGreaterThan(0);
    });
  }

  it('every example script has a test case and an npm script', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(EXAMPLES, '..', 'package.json'), 'utf8'));
    const scripts = fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.js') && f !== 'common.js' && f !== 'demo.js');
    for (const s of scripts) {
      expect(CASES.some((c) => c.script === s), s).toBe(true);
      expect(pkg.scripts[`example:${s.replace(/\.js$/, '')}`], s).toBe(`node examples/${s}`);
    }
  });
});
