// An autoencoder on Fashion-MNIST: a convolutional encoder (28x28 -> 14x14 -> 7x7 -> a 32-d code) and a
// transposed-convolution decoder back to 28x28, trained to reconstruct its input (binary cross-entropy
// on pixels in [0, 1], Adam). With --denoising the input is corrupted with Gaussian noise (sigma 0.4)
// and the model learns to reconstruct the clean image. Prints train/test reconstruction losses and writes
// out/autoencoder/reconstructions.png (rows: input, [noisy input,] reconstruction).
//   npm run example:autoencoder [-- --denoising --epochs 8 --full --smoke]
const path = require('path');
const { nr, arg, smoke, full, outDir, fashion, batches, elapsed, run } = require('./common');
const { nn } = nr;
const F = nn.functional;

class AutoEncoder extends nn.Module {
  constructor(code = 32) {
    super();
    this.encoder = new nn.Sequential(
      new nn.Conv2d(1, 16, 3, { stride: 2, padding: 1 }), new nn.ReLU(),            // (N, 16, 14, 14)
      new nn.Conv2d(16, 32, 3, { stride: 2, padding: 1 }), new nn.ReLU(),           // (N, 32, 7, 7)
      new nn.Flatten(), new nn.Linear(32 * 49, code));
    this.decoder = new nn.Sequential(
      new nn.Linear(code, 32 * 49), new nn.ReLU(), new nn.Unflatten(1, [32, 7, 7]),
      new nn.ConvTranspose2d(32, 16, 3, { stride: 2, padding: 1, outputPadding: 1 }), new nn.ReLU(),  // (N, 16, 14, 14)
      new nn.ConvTranspose2d(16, 1, 3, { stride: 2, padding: 1, outputPadding: 1 }));                 // (N, 1, 28, 28) logits
  }
  forward(x) { return this.decoder.forward(this.encoder.forward(x)); }
}

run(async () => {
  nr.manualSeed(0);
  const denoising = !!arg('denoising', false), sigma = 0.4;
  const name = denoising ? 'denoising-autoencoder' : 'autoencoder';
  const train = fashion('train', smoke ? 256 : undefined), test = fashion('test', smoke ? 128 : undefined);
  const epochs = smoke ? 1 : Number(arg('epochs', full ? 10 : 8));
  const corrupt = (x) => (denoising ? x.add(nr.randn(x.shape).mul(sigma)).clamp(0, 1) : x);
  const model = new AutoEncoder();
  const opt = new nr.optim.Adam(model.parameters(), { lr: 2e-3 });
  console.log(`${name}: Fashion-MNIST (${full ? 'full' : 'sample'}), ${train.x.shape[0]} train / ${test.x.shape[0]} test images, ` +
    `${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${epochs} epochs`);
  const testLoss = () => nr.noGrad(() => {
    model.eval();
    let sum = 0, n = 0;
    for (const [x] of batches(test.x, null, 500, { shuffle: false })) {
      sum += F.binaryCrossEntropyWithLogits(model.forward(corrupt(x)), x).item() * x.shape[0];
      n += x.shape[0];
    }
    model.train();
    return sum / n;
  });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let sum = 0, n = 0;
    for (const [x] of batches(train.x, null, 64)) {
      const loss = F.binaryCrossEntropyWithLogits(model.forward(corrupt(x)), x);
      opt.zeroGrad();
      loss.backward();
      opt.step();
      sum += loss.item() * x.shape[0];
      n += x.shape[0];
    }
    console.log(`epoch ${epoch}/${epochs}  train bce ${(sum / n).toFixed(4)}  test bce ${testLoss().toFixed(4)}  (${elapsed()})`);
  }
  // Rows of 10 test images: the input, the corrupted input (denoising only), the reconstruction.
  const grid = nr.noGrad(() => {
    model.eval();
    const x = test.x.narrow(0, 0, 10), xin = corrupt(x);
    const rec = model.forward(xin).sigmoid();
    return nr.cat(denoising ? [x, xin, rec] : [x, rec], 0);
  });
  const file = path.join(outDir(name), 'reconstructions.png');
  nr.train.saveImageGrid(grid, file, { nrow: 10 });
  console.log(`test reconstruction bce: ${testLoss().toFixed(4)}; reconstructions written to ${file}  (${elapsed()})`);
});
