// A variational autoencoder on Fashion-MNIST: an MLP encoder outputs the mean and log-variance of a
// 16-d Gaussian posterior q(z|x), z is drawn with the reparameterisation trick (mu + sigma * eps) so
// gradients flow through the sample, and an MLP decoder outputs pixel logits. The loss is the negative
// ELBO: Bernoulli reconstruction (binary cross-entropy) + KL(q(z|x) || N(0, I)), summed per image.
// Prints the ELBO terms per epoch; writes out/vae/reconstructions.png (inputs over reconstructions)
// and out/vae/samples.png (decoded z ~ N(0, I)).
//   npm run example:vae [-- --epochs 15 --full --smoke]
const path = require('path');
const { nr, arg, smoke, full, outDir, fashion, batches, elapsed, run } = require('./common');
const { nn } = nr;
const F = nn.functional;

class VAE extends nn.Module {
  constructor(latent = 16, hidden = 400) {
    super();
    this.latent = latent;
    this.enc = new nn.Sequential(new nn.Flatten(), new nn.Linear(784, hidden), new nn.ReLU());
    this.mu = new nn.Linear(hidden, latent);
    this.logvar = new nn.Linear(hidden, latent);
    this.dec = new nn.Sequential(new nn.Linear(latent, hidden), new nn.ReLU(), new nn.Linear(hidden, 784), new nn.Unflatten(1, [1, 28, 28]));
  }
  /** x (N, 1, 28, 28) -> [pixel logits, mu, logvar]. */
  forward(x) {
    const h = this.enc.forward(x);
    const mu = this.mu.forward(h), logvar = this.logvar.forward(h);
    const z = mu.add(logvar.mul(0.5).exp().mul(nr.randn(mu.shape)));   // reparameterisation
    return [this.dec.forward(z), mu, logvar];
  }
}

/** Per-image negative ELBO terms: [reconstruction bce, kl]. */
function elbo(logits, x, mu, logvar) {
  const n = x.shape[0];
  const rec = F.binaryCrossEntropyWithLogits(logits, x, { reduction: 'sum' }).div(n);
  const kl = logvar.exp().add(mu.pow(2)).sub(1).sub(logvar).sum().mul(0.5).div(n);  // KL(N(mu, s^2) || N(0, 1))
  return [rec, kl];
}

run(async () => {
  nr.manualSeed(0);
  const train = fashion('train', smoke ? 256 : undefined), test = fashion('test', smoke ? 128 : undefined);
  const epochs = smoke ? 1 : Number(arg('epochs', full ? 20 : 15));
  const model = new VAE();
  const opt = new nr.optim.Adam(model.parameters(), { lr: 1e-3 });
  console.log(`vae: Fashion-MNIST (${full ? 'full' : 'sample'}), ${train.x.shape[0]} train / ${test.x.shape[0]} test images, ` +
    `latent 16, ${model.parameters().reduce((a, p) => a + p.numel(), 0)} parameters, ${epochs} epochs`);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    let recSum = 0, klSum = 0, n = 0;
    for (const [x] of batches(train.x, null, 64)) {
      const [logits, mu, logvar] = model.forward(x);
      const [rec, kl] = elbo(logits, x, mu, logvar);
      opt.zeroGrad();
      rec.add(kl).backward();
      opt.step();
      recSum += rec.item() * x.shape[0]; klSum += kl.item() * x.shape[0]; n += x.shape[0];
    }
    const testElbo = nr.noGrad(() => { const [l, mu, lv] = model.forward(test.x); const [r, k] = elbo(l, test.x, mu, lv); return r.item() + k.item(); });
    console.log(`epoch ${epoch}/${epochs}  recon ${(recSum / n).toFixed(2)}  kl ${(klSum / n).toFixed(2)}  ` +
      `train -elbo ${((recSum + klSum) / n).toFixed(2)}  test -elbo ${testElbo.toFixed(2)}  (${elapsed()})`);
  }
  const dir = outDir('vae');
  nr.noGrad(() => {
    model.eval();
    const x = test.x.narrow(0, 0, 16);
    const [logits] = model.forward(x);
    nr.train.saveImageGrid(nr.cat([x, logits.sigmoid()], 0), path.join(dir, 'reconstructions.png'), { nrow: 16 });
    nr.train.saveImageGrid(model.dec.forward(nr.randn([64, model.latent])).sigmoid(), path.join(dir, 'samples.png'), { nrow: 8 });
  });
  console.log(`reconstructions and samples written to ${path.join(dir, 'reconstructions.png')} and ${path.join(dir, 'samples.png')}  (${elapsed()})`);
});
