// A character-level language model: Embedding -> LSTM (or GRU with --cell gru) -> Linear over
// the vocabulary, trained with truncated sequences (teacher forcing, cross-entropy on the next character,
// Adam, gradient clipping) on examples/data/corpus.txt, then sampled one character at a time while
// carrying the recurrent state, at a few temperatures. Prints the loss curve and the samples; writes
// them to out/char-lstm/samples.txt (out/char-gru/ for --cell gru).
//   npm run example:char-lstm [-- --cell gru --steps 400 --smoke]
const fs = require('fs');
const path = require('path');
const { nr, arg, smoke, outDir, corpus, elapsed, sampleLogits, run } = require('./common');
const { nn } = nr;

class CharRNN extends nn.Module {
  constructor(vocab, cell, embed = 32, hidden = 128, layers = 1) {
    super();
    this.embed = new nn.Embedding(vocab, embed);
    const Cell = cell === 'gru' ? nn.GRU : nn.LSTM;
    this.rnn = new Cell(embed, hidden, { numLayers: layers, batchFirst: true });
    this.head = new nn.Linear(hidden, vocab);
  }
  /** x (N, L) int64 -> logits (N, L, vocab) and the final state. */
  forward(x, state = null) {
    const [h, next] = this.rnn.forward(this.embed.forward(x), state);
    return [this.head.forward(h), next];
  }
}

/** Feeds the prompt, then samples n characters, feeding each back with the carried state. */
function generate(model, c, prompt, n, temperature) {
  return nr.noGrad(() => {
    model.eval();
    let [logits, state] = model.forward(nr.tensor([c.encode(prompt)]).long());
    let last = logits.select(1, logits.shape[1] - 1).select(0, 0).toFlatArray();
    const out = [];
    for (let i = 0; i < n; i++) {
      const id = sampleLogits(last, temperature);
      out.push(id);
      [logits, state] = model.forward(nr.tensor([[id]]).long(), state);
      last = logits.select(1, 0).select(0, 0).toFlatArray();
    }
    model.train();
    return prompt + c.decode(out);
  });
}

run(async () => {
  nr.manualSeed(0);
  const cell = String(arg('cell', 'lstm')).toLowerCase();
  if (cell !== 'lstm' && cell !== 'gru') throw new Error(`--cell must be lstm or gru, got ${cell}`);
  const name = `char-${cell}`;
  const c = corpus();
  const steps = smoke ? 3 : Number(arg('steps', 400)), seqLen = 48, batchSize = 32;
  const model = new CharRNN(c.vocab, cell);
  const opt = new nr.optim.Adam(model.parameters(), { lr: 3e-3 });
  console.log(`${name}: corpus of ${c.text.length} characters, vocabulary ${c.vocab}, ` +
    `${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${steps} steps of ${batchSize}x${seqLen}`);
  let avg = null;
  for (let step = 1; step <= steps; step++) {
    const [x, y] = c.batch(seqLen, batchSize);
    const [logits] = model.forward(x);
    const loss = nr.nn.functional.crossEntropy(logits.reshape([-1, c.vocab]), y.reshape([-1]));
    opt.zeroGrad();
    loss.backward();
    nr.nnUtils.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    avg = avg === null ? loss.item() : 0.9 * avg + 0.1 * loss.item();
    if (step === 1 || step % 50 === 0 || step === steps) console.log(`step ${step}/${steps}  loss ${avg.toFixed(4)}  (${elapsed()})`);
  }
  const samples = [];
  for (const t of [0.5, 0.8, 1.0]) {
    const s = generate(model, c, 'The ', smoke ? 20 : 200, t);
    samples.push(`--- temperature ${t} ---\n${s}`);
    console.log(`sample (temperature ${t}):\n${s}\n`);
  }
  const file = path.join(outDir(name), 'samples.txt');
  fs.writeFileSync(file, samples.join('\n\n') + '\n');
  console.log(`final loss ${avg.toFixed(4)}; samples written to ${file}  (${elapsed()})`);
});
