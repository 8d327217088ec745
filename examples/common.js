// Shared helpers for the example scripts: command-line flags (--smoke, --full, --epochs N, --out DIR,
// --threads N), Fashion-MNIST loading as (N, 1, 28, 28) floats in [0, 1], the output folder, a
// batch iterator for hand-written training loops, a timer, and temperature sampling from logits.
// Every example requires the built package (../dist/cjs): run `npm run build:ts` first.
// --smoke runs a few batches only (test/examples.test.ts runs every example that way).
const fs = require('fs');
const path = require('path');
// NEURONA_EXAMPLES_LIB lets the smoke test point the examples at a fresh transpile of src/ instead of dist.
const nr = require(process.env.NEURONA_EXAMPLES_LIB || '../dist/cjs');

const argv = process.argv.slice(2);
/** Value of --name (true for a bare flag), or dflt when the flag is absent. */
function arg(name, dflt) {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}
const smoke = !!arg('smoke', false);
const full = !!arg('full', false);
if (arg('threads', null)) nr.backend.setNumThreads(Number(arg('threads')));

/** The example's output folder (default examples/out/<name>, or --out DIR), created on demand. */
function outDir(name) {
  const dir = path.resolve(String(arg('out', path.join(__dirname, 'out', name))));
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Fashion-MNIST split as { x: (N, 1, 28, 28) float32 in [0, 1], y: (N,) int64 }; --full uses the whole set. */
function fashion(split, limit) {
  const { images, labels, root } = nr.data.fashionMnist({ source: full ? 'full' : 'sample', split, limit });
  return { x: nr.data.toFloat(images).unsqueeze(1), y: labels.long(), root };
}

/** Shuffled (or ordered) mini-batches [x, y] of tensors; at most maxBatches of them (smoke runs). */
function* batches(x, y, batchSize, { shuffle = true, maxBatches = Infinity } = {}) {
  const n = x.shape[0];
  const order = shuffle ? nr.randperm(n) : nr.arange(n).long();
  for (let i = 0, b = 0; i < n && b < maxBatches; i += batchSize, b++) {
    const idx = order.narrow(0, i, Math.min(batchSize, n - i));
    yield [x.indexSelect(0, idx), y ? y.indexSelect(0, idx) : null];
  }
}

/** A seeded uniform [0, 1) generator (mulberry32) so batches and samples are reproducible. */
let rngState = 0x9e3779b9;
function random() {
  rngState = (rngState + 0x6d2b79f5) | 0;
  let t = Math.imul(rngState ^ (rngState >>> 15), 1 | rngState);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Seconds since the script started, as a string. */
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

/** Samples an index from a 1-D logits array at the given temperature (argmax when temperature is 0). */
function sampleLogits(logits, temperature = 1) {
  if (temperature <= 0) return logits.indexOf(Math.max(...logits));
  const m = Math.max(...logits);
  const p = logits.map((l) => Math.exp((l - m) / temperature));
  let r = random() * p.reduce((a, b) => a + b, 0);
  for (let i = 0; i < p.length; i++) { r -= p[i]; if (r <= 0) return i; }
  return p.length - 1;
}

/** Fraction of rows of logits (N, C) whose argmax equals y (N,). */
function accuracy(logits, y) {
  return nr.noGrad(() => logits.argmax(1).eq(y).float().mean().item());
}

/** Runs an async main and exits with status 1 on error. */
function run(main) {
  main().catch((e) => { console.error(e); process.exit(1); });
}

/**
 * Trains a Fashion-MNIST classifier with model.fit (Adam, cross-entropy, cosine LR decay), printing one
 * line per epoch, then the final test accuracy; writes the training curve SVG into out/<name>/.
 * Smoke runs use 256 training and 128 test images for one epoch. Resolves to the test accuracy.
 */
async function fitClassifier(name, model, { epochs, lr = 1e-3, batchSize = 64, weightDecay = 0, standardize = true } = {}) {
  const limitTrain = smoke ? 256 : undefined, limitTest = smoke ? 128 : undefined;
  const norm = (d) => ({ x: standardize ? d.x.sub(0.2860).div(0.3530) : d.x, y: d.y });
  const train = norm(fashion('train', limitTrain)), test = norm(fashion('test', limitTest));
  epochs = smoke ? 1 : Number(arg('epochs', epochs));
  console.log(`${name}: Fashion-MNIST (${full ? 'full' : 'sample'}), ${train.x.shape[0]} train / ${test.x.shape[0]} test images, ` +
    `${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${epochs} epochs`);
  const loader = new nr.data.DataLoader(new nr.data.TensorDataset(train.x, train.y), { batchSize, shuffle: true, seed: 0 });
  const testLoader = new nr.data.DataLoader(new nr.data.TensorDataset(test.x, test.y), { batchSize: 500 });
  const optimizer = new nr.optim.AdamW(model.parameters(), { lr, weightDecay });
  const scheduler = new nr.optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: epochs });
  class Report extends nr.train.Callback {
    onEpochEnd(epoch, logs) {
      console.log(`epoch ${epoch}/${epochs}  loss ${logs.loss.toFixed(4)}  train acc ${(100 * logs.accuracy).toFixed(2)}%  ` +
        `test acc ${(100 * logs.val_accuracy).toFixed(2)}%  (${elapsed()})`);
    }
  }
  const history = await model.fit(loader, {
    epochs, optimizer, scheduler, loss: 'crossEntropy', metrics: ['accuracy'], validationData: testLoader,
    callbacks: [new Report()], verbose: 0,
  });
  const { accuracy: acc } = await model.evaluate(testLoader, { metrics: ['accuracy'] });
  console.log(`test accuracy: ${(100 * acc).toFixed(2)}%  (${elapsed()})`);
  const file = path.join(outDir(name), 'training-curve.svg');
  nr.train.plotHistory(history, file, { title: `${name} on Fashion-MNIST (${full ? 'full' : 'sample'}): test accuracy ${(100 * acc).toFixed(2)}%` });
  console.log(`training curve written to ${file}`);
  return acc;
}

/**
 * The character corpus examples/data/corpus.txt (the project's README and design notes): its vocabulary,
 * encode/decode, the whole text as an int64 tensor, and batch(seqLen, batchSize) giving random windows
 * x (B, L) and next-character targets y (B, L).
 */
function corpus() {
  const text = fs.readFileSync(path.join(__dirname, 'data', 'corpus.txt'), 'utf8');
  const chars = [...new Set(text)].sort();
  const stoi = new Map(chars.map((c, i) => [c, i]));
  const encode = (s) => [...s].map((c) => stoi.get(c) ?? 0);
  const decode = (ids) => ids.map((i) => chars[i]).join('');
  const ids = encode(text);
  const all = nr.tensor(ids).long();
  function batch(seqLen, batchSize) {
    const starts = [];
    for (let b = 0; b < batchSize; b++) starts.push(Math.floor(random() * (ids.length - seqLen - 1)));
    const idx = nr.tensor(starts.map((s0) => Array.from({ length: seqLen + 1 }, (_, j) => s0 + j))).long(); // (B, L+1)
    const win = all.index([idx]);
    return [win.narrow(1, 0, seqLen), win.narrow(1, 1, seqLen)];
  }
  return { text, chars, vocab: chars.length, encode, decode, batch };
}

module.exports = { corpus, fitClassifier, nr, arg, smoke, full, outDir, fashion, batches, elapsed, sampleLogits, accuracy, run };
