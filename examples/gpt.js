// A tiny GPT: a decoder-only Transformer on characters. Token embedding + learned positional embedding,
// a stack of pre-norm Transformer blocks with causal (masked) multi-head self-attention and a GELU MLP
// (nn.TransformerEncoderLayer with isCausal: each position attends only to earlier ones), a final
// LayerNorm and a linear head over the vocabulary. Trained on next-character prediction on
// examples/data/corpus.txt (AdamW, warmup + cosine LR, clipping), then sampled autoregressively with
// temperature and top-k over a sliding context window. Writes out/gpt/samples.txt.
//   npm run example:gpt [-- --steps 400 --lr 1e-2 --batch 32 --dropout 0 --smoke]
const fs = require('fs');
const path = require('path');
const { nr, arg, smoke, outDir, corpus, elapsed, sampleLogits, run } = require('./common');
const { nn } = nr;

class GPT extends nn.Module {
  constructor(vocab, { blockSize = 64, dModel = 64, nhead = 4, layers = 2 } = {}) {
    super();
    this.blockSize = blockSize;
    this.tok = new nn.Embedding(vocab, dModel);
    this.pos = new nn.LearnedPositionalEmbedding(blockSize, dModel, { batchFirst: true });
    this.blocks = new nn.ModuleList(Array.from({ length: layers }, () => new nn.TransformerEncoderLayer(dModel, nhead, {
      dimFeedforward: 4 * dModel, dropout: Number(arg('dropout', 0)), activation: 'gelu', batchFirst: true, normFirst: true,
    })));
    this.norm = new nn.LayerNorm(dModel);
    this.head = new nn.Linear(dModel, vocab);
  }
  /** x (N, L) int64, L <= blockSize -> logits (N, L, vocab). */
  forward(x) {
    let h = this.pos.forward(this.tok.forward(x));
    for (const block of this.blocks) h = block.forward(h, { isCausal: true });
    return this.head.forward(this.norm.forward(h));
  }
}

/** Samples n characters after the prompt, keeping the top k logits, over the last blockSize characters. */
function generate(model, c, prompt, n, temperature, k = 10) {
  return nr.noGrad(() => {
    model.eval();
    const ids = c.encode(prompt);
    for (let i = 0; i < n; i++) {
      const ctx = ids.slice(-model.blockSize);
      const logits = model.forward(nr.tensor([ctx]).long());
      const last = logits.select(1, ctx.length - 1).select(0, 0).toFlatArray();
      const kth = [...last].sort((a, b) => b - a)[Math.min(k, last.length) - 1];
      ids.push(sampleLogits(last.map((v) => (v < kth ? -Infinity : v)), temperature));
    }
    model.train();
    return c.decode(ids);
  });
}

run(async () => {
  nr.manualSeed(0);
  const c = corpus();
  const steps = smoke ? 3 : Number(arg('steps', 400)), batchSize = Number(arg('batch', 32));
  const model = new GPT(c.vocab);
  const peak = Number(arg('lr', 1e-2));
  const opt = new nr.optim.AdamW(model.parameters(), { lr: peak, weightDecay: 0.01 });
  const warmup = Math.min(30, steps);
  const lrAt = (s) => peak * (s <= warmup ? s / warmup : 0.5 * (1 + Math.cos(Math.PI * (s - warmup) / Math.max(1, steps - warmup))));
  console.log(`gpt: corpus of ${c.text.length} characters, vocabulary ${c.vocab}, ` +
    `${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, context ${model.blockSize}, ${steps} steps of ${batchSize}`);
  let avg = null;
  for (let step = 1; step <= steps; step++) {
    for (const g of opt.paramGroups) g.lr = lrAt(step);
    const [x, y] = c.batch(model.blockSize, batchSize);
    const loss = nr.nn.functional.crossEntropy(model.forward(x).reshape([-1, c.vocab]), y.reshape([-1]));
    opt.zeroGrad();
    loss.backward();
    nr.nnUtils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    avg = avg === null ? loss.item() : 0.9 * avg + 0.1 * loss.item();
    if (step === 1 || step % 50 === 0 || step === steps) console.log(`step ${step}/${steps}  loss ${avg.toFixed(4)}  (${elapsed()})`);
  }
  const samples = [];
  for (const t of [0.6, 1.0]) {
    const s = generate(model, c, 'The ', smoke ? 20 : 200, t);
    samples.push(`--- temperature ${t}, top-10 ---\n${s}`);
    console.log(`sample (temperature ${t}, top-10):\n${s}\n`);
  }
  const file = path.join(outDir('gpt'), 'samples.txt');
  fs.writeFileSync(file, samples.join('\n\n') + '\n');
  console.log(`final loss ${avg.toFixed(4)}; samples written to ${file}  (${elapsed()})`);
});
