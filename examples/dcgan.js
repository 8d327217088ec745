// A DCGAN on Fashion-MNIST: a generator maps z ~ N(0, I) (64-d) through a linear layer to 64x7x7 and
// two strided transposed convolutions (BatchNorm, ReLU) to a 28x28 tanh image; a discriminator of
// strided convolutions (LeakyReLU, BatchNorm) outputs a real/fake logit. Alternating updates with the
// non-saturating GAN loss (BCE with logits, Adam lr 2e-4, beta1 0.5). Prints the losses and D's
// outputs per epoch; writes out/dcgan/epoch-NN.png (the same 64 fixed noise vectors each epoch).
//   npm run example:dcgan [-- --epochs 5 --full --smoke]
const path = require('path');
const { nr, arg, smoke, full, outDir, fashion, batches, elapsed, run } = require('./common');
const { nn } = nr;
const F = nn.functional;

const Z = 64;
const generator = () => new nn.Sequential(
  new nn.Linear(Z, 64 * 49, { bias: false }), new nn.BatchNorm1d(64 * 49), new nn.ReLU(), new nn.Unflatten(1, [64, 7, 7]),
  new nn.ConvTranspose2d(64, 32, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(32), new nn.ReLU(),     // (N, 32, 14, 14)
  new nn.ConvTranspose2d(32, 1, 4, { stride: 2, padding: 1 }), new nn.Tanh());                                         // (N, 1, 28, 28)
const discriminator = () => new nn.Sequential(
  new nn.Conv2d(1, 32, 4, { stride: 2, padding: 1 }), new nn.LeakyReLU(0.2),                                           // (N, 32, 14, 14)
  new nn.Conv2d(32, 64, 4, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(64), new nn.LeakyReLU(0.2),     // (N, 64, 7, 7)
  new nn.Flatten(), new nn.Linear(64 * 49, 1));

run(async () => {
  nr.manualSeed(0);
  const { x } = fashion('train', smoke ? 128 : undefined);
  const real = x.mul(2).sub(1);                                                     // [-1, 1] for tanh
  const epochs = smoke ? 1 : Number(arg('epochs', full ? 15 : 5)), batchSize = 64;
  const G = generator(), D = discriminator();
  const optG = new nr.optim.Adam(G.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new nr.optim.Adam(D.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const fixed = nr.randn([64, Z]);
  const dir = outDir('dcgan');
  console.log(`dcgan: Fashion-MNIST (${full ? 'full' : 'sample'}), ${real.shape[0]} images, ` +
    `G ${G.parameters().reduce((a, p) => a + p.numel(), 0)} / D ${D.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${epochs} epochs`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let lossD = 0, lossG = 0, dReal = 0, dFake = 0, n = 0;
    for (const [xb] of batches(real, null, batchSize, { maxBatches: smoke ? 2 : Infinity })) {
      const b = xb.shape[0], ones = nr.ones([b, 1]), zeros = nr.zeros([b, 1]);
      // Discriminator: real -> 1, fake -> 0 (the fakes are detached so G gets no gradient here).
      const fake = G.forward(nr.randn([b, Z]));
      const outReal = D.forward(xb), outFake = D.forward(fake.detach());
      const ld = F.binaryCrossEntropyWithLogits(outReal, ones).add(F.binaryCrossEntropyWithLogits(outFake, zeros));
      optD.zeroGrad(); ld.backward(); optD.step();
      // Generator: make D call the fakes real (non-saturating loss).
      const lg = F.binaryCrossEntropyWithLogits(D.forward(fake), ones);
      optG.zeroGrad(); lg.backward(); optG.step();
      lossD += ld.item(); lossG += lg.item(); n++;
      dReal += outReal.sigmoid().mean().item(); dFake += outFake.sigmoid().mean().item();
    }
    const file = path.join(dir, `epoch-${String(epoch).padStart(2, '0')}.png`);
    nr.noGrad(() => { G.eval(); nr.train.saveImageGrid(G.forward(fixed).add(1).div(2), file, { nrow: 8 }); G.train(); });
    console.log(`epoch ${epoch}/${epochs}  loss D ${(lossD / n).toFixed(3)}  loss G ${(lossG / n).toFixed(3)}  ` +
      `D(real) ${(dReal / n).toFixed(2)}  D(fake) ${(dFake / n).toFixed(2)}  samples ${file}  (${elapsed()})`);
  }
});
