// The README's "Walkthrough", as a script: load the bundled Fashion-MNIST sample, define a CNN, train it
// with model.fit and callbacks (early stopping, best-model checkpoint, LR schedule), evaluate, save as
// safetensors and as a full checkpoint, load both back and predict. Everything below the marker line is
// the README's code block verbatim (test/readme.test.ts checks that, test/examples.test.ts runs it with
// --smoke); only the require line differs so the smoke test can point it at a fresh build of src/.
//   npm run build:ts && npm run example:walkthrough [-- --smoke --out DIR]
// ---- README walkthrough ----
const fs = require('fs');
const path = require('path');
const nr = require(process.env.NEURONA_EXAMPLES_LIB || 'neurona');
const { nn, optim, data, train, io } = nr;

const smoke = process.argv.includes('--smoke');            // a quick run: 512 images, one epoch
const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? process.argv[outAt + 1] : path.join(__dirname, 'out', 'walkthrough');
fs.mkdirSync(out, { recursive: true });
nr.manualSeed(0);                                            // weights, dropout and shuffling are reproducible

// 1. Data: images (N, 28, 28) uint8 and labels (N,) from the IDX files bundled in data/fashion-mnist-sample
//    (source: 'full' reads the 60k/10k set once installed), scaled to [0, 1] and standardised.
function fashion(split, limit) {
  const { images, labels } = data.fashionMnist({ source: 'sample', split, limit });
  const x = data.toFloat(images).unsqueeze(1).sub(0.286).div(0.353);  // (N, 1, 28, 28) float32
  return new data.TensorDataset(x, labels.long());
}
const [trainSet, valSet] = data.randomSplit(fashion('train', smoke ? 512 : undefined), [0.9, 0.1], { seed: 0 });
const testSet = fashion('test', smoke ? 256 : undefined);
const trainLoader = new data.DataLoader(trainSet, { batchSize: 64, shuffle: true, seed: 0 });
const valLoader = new data.DataLoader(valSet, { batchSize: 500 });
const testLoader = new data.DataLoader(testSet, { batchSize: 500 });

// 2. Model: a Module subclass; submodules assigned as properties are registered (parameters, stateDict keys).
class FashionCNN extends nn.Module {
  constructor() {
    super();
    this.features = new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),  // (N, 16, 14, 14)
      new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.BatchNorm2d(32), new nn.ReLU(), new nn.MaxPool2d(2), // (N, 32, 7, 7)
    );
    this.classifier = new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.25), new nn.Linear(32 * 7 * 7, 10));
  }
  forward(x) {
    return this.classifier.forward(this.features.forward(x));    // (N, 10) logits
  }
}
const model = new FashionCNN();

// 3. Train: AdamW, cosine LR decay, cross-entropy; stop when val_loss stops improving and keep the best weights.
const epochs = smoke ? 1 : 8;
const optimizer = new optim.AdamW(model.parameters(), { lr: 2e-3, weightDecay: 1e-4 });
const scheduler = new optim.lrScheduler.CosineAnnealingLR(optimizer, { tMax: epochs });
const best = path.join(out, 'best.safetensors');
async function main() {
  const history = await model.fit(trainLoader, {
    epochs, optimizer, scheduler, loss: 'crossEntropy', metrics: ['accuracy'], validationData: valLoader, verbose: 2,
    callbacks: [
      new train.EarlyStopping({ monitor: 'val_loss', patience: 2, restoreBestWeights: true }),
      new train.ModelCheckpoint(best, { monitor: 'val_loss', saveBestOnly: true }),
    ],
  });
  console.log(`trained for ${history.epochs.length} epoch(s), best model saved to ${best}`);

  // 4. Evaluate on the held-out test images (eval mode: dropout off, BatchNorm running statistics).
  const test = await model.evaluate(testLoader, { loss: 'crossEntropy', metrics: ['accuracy'] });
  console.log(`test loss ${test.loss.toFixed(4)}, test accuracy ${(100 * test.accuracy).toFixed(2)}%`);

  // 5. Save: the weights as safetensors (PyTorch-compatible keys, readable by safetensors tools), and a
  //    checkpoint with everything needed to resume training (model, optimizer, scheduler, RNG state).
  const weightsFile = path.join(out, 'fashion-cnn.safetensors');
  io.save(weightsFile, model.stateDict(), { metadata: { accuracy: test.accuracy.toFixed(4) } });
  const ckptFile = path.join(out, 'fashion-cnn.ckpt');
  io.saveCheckpoint(ckptFile, {
    model: model.stateDict(), optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict(),
    rng: nr.getRngState(), epoch: history.epochs.length,
  });

  // 6. Load back into fresh objects and predict.
  const restored = new FashionCNN();
  restored.loadStateDict(io.load(weightsFile));
  const ckpt = io.loadCheckpoint(ckptFile);                   // to resume: load the states and fit on
  const resumedOpt = new optim.AdamW(restored.parameters(), { lr: 2e-3, weightDecay: 1e-4 });
  resumedOpt.loadStateDict(ckpt.optimizer);
  console.log(`checkpoint from epoch ${ckpt.epoch}, ${Object.keys(ckpt.model).length} tensors`);

  const [images, labels] = testSet.get(0).map((t) => t.unsqueeze(0));   // one (1, 1, 28, 28) image
  const logits = await restored.predict(images);                          // (1, 10), in eval mode
  const probs = nr.softmax(logits, 1);
  const k = probs.argmax(1).item();
  console.log(`prediction: ${data.FASHION_MNIST_CLASSES[k]} (p = ${probs.select(1, k).item().toFixed(3)}), ` +
    `label: ${data.FASHION_MNIST_CLASSES[labels.item()]}`);
  const same = nr.noGrad(() => restored.eval().forward(images).sub(model.eval().forward(images)).abs().max().item());
  console.log(`restored model matches the trained one: max |difference| ${same}`);
}
main().catch((e) => { console.error(e); process.exit(1); });
