// A conditional GAN (Mirza & Osindero, 2014) on Fashion-MNIST: both networks see the class label through
// a learned label embedding (nn.Embedding(10, 16)) concatenated with their input, so the generator learns
// p(x | class) and can be asked for a specific class. MLPs with LeakyReLU (dropout in the discriminator),
// non-saturating BCE loss, Adam lr 2e-4, beta1 0.5. Prints losses per epoch; writes out/cgan/epoch-NN.png
// (one row per class, 0 = T-shirt ... 9 = ankle boot, the same noise each epoch).
//   npm run example:cgan [-- --epochs 10 --full --smoke]
const path = require('path');
const { nr, arg, smoke, full, outDir, fashion, batches, elapsed, run } = require('./common');
const { nn } = nr;
const F = nn.functional;

const Z = 64, CLASSES = 10, EMB = 16;
const CLASS_NAMES = ['T-shirt', 'trouser', 'pullover', 'dress', 'coat', 'sandal', 'shirt', 'sneaker', 'bag', 'ankle boot'];

class Generator extends nn.Module {
  constructor() {
    super();
    this.label = new nn.Embedding(CLASSES, EMB);
    this.net = new nn.Sequential(
      new nn.Linear(Z + EMB, 256), new nn.LeakyReLU(0.2),
      new nn.Linear(256, 512), new nn.LeakyReLU(0.2),
      new nn.Linear(512, 784), new nn.Tanh(), new nn.Unflatten(1, [1, 28, 28]));
  }
  /** z (N, Z), y (N,) int64 -> images (N, 1, 28, 28) in [-1, 1]. */
  forward(z, y) { return this.net.forward(nr.cat([z, this.label.forward(y)], 1)); }
}

class Discriminator extends nn.Module {
  constructor() {
    super();
    this.label = new nn.Embedding(CLASSES, EMB);
    this.net = new nn.Sequential(
      new nn.Linear(784 + EMB, 512), new nn.LeakyReLU(0.2), new nn.Dropout(0.3),
      new nn.Linear(512, 256), new nn.LeakyReLU(0.2), new nn.Dropout(0.3),
      new nn.Linear(256, 1));
  }
  /** x (N, 1, 28, 28), y (N,) -> real/fake logits (N, 1). */
  forward(x, y) { return this.net.forward(nr.cat([x.flatten(1), this.label.forward(y)], 1)); }
}

run(async () => {
  nr.manualSeed(0);
  const { x, y } = fashion('train', smoke ? 128 : undefined);
  const real = x.mul(2).sub(1);
  const epochs = smoke ? 1 : Number(arg('epochs', full ? 30 : 10)), batchSize = 64;
  const G = new Generator(), D = new Discriminator();
  const optG = new nr.optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new nr.optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  // Fixed noise for the grids: row c holds 10 samples of class c.
  const fixedZ = nr.randn([CLASSES * 10, Z]);
  const fixedY = nr.tensor(Array.from({ length: CLASSES * 10 }, (_, i) => Math.floor(i / 10))).long();
  const dir = outDir('cgan');
  console.log(`cgan: Fashion-MNIST (${full ? 'full' : 'sample'}), ${real.shape[0]} images, ` +
    `G ${G.parameters().reduce((a, p) => a + p.numel(), 0)} / D ${D.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${epochs} epochs`);
  console.log(`grid rows: ${CLASS_NAMES.join(', ')}`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossD = 0, lossG = 0, n = 0;
    for (const [xb, yb] of batches(real, y, batchSize, { maxBatches: smoke ? 2 : Infinity })) {
      const b = xb.shape[0], ones = nr.ones([b, 1]), zeros = nr.zeros([b, 1]);
      const yFake = nr.randint(0, CLASSES, [b]).long();
      const fake = G.forward(nr.randn([b, Z]), yFake);
      const ld = F.binaryCrossEntropyWithLogits(D.forward(xb, yb), ones).add(F.binaryCrossEntropyWithLogits(D.forward(fake.detach(), yFake), zeros));
      optD.zeroGrad(); ld.backward(); optD.step();
      const lg = F.binaryCrossEntropyWithLogits(D.forward(fake, yFake), ones);
      optG.zeroGrad(); lg.backward(); optG.step();
      lossD += ld.item(); lossG += lg.item(); n++;
    }
    const file = path.join(dir, `epoch-${String(epoch).padStart(2, '0')}.png`);
    nr.noGrad(() => { G.eval(); nr.train.saveImageGrid(G.forward(fixedZ, fixedY).add(1).div(2), file, { nrow: 10 }); G.train(); });
    console.log(`epoch ${epoch}/${epochs}  loss D ${(lossD / n).toFixed(3)}  loss G ${(lossG / n).toFixed(3)}  samples ${file}  (${elapsed()})`);
  }
});
