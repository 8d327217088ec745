// Transfer learning: (1) train a small CNN on the 10-class Fashion-MNIST task, or load its backbone from
// out/transfer/backbone.safetensors when a previous run saved it (--retrain forces training); (2) save the
// backbone's weights with io.save (safetensors); (3) build a fresh model, load the saved weights into its
// backbone with io.load + loadStateDict, freeze them (requiresGrad_(false)) and attach a new 2-class head;
// (4) fine-tune only the head on a different task, "shirt vs T-shirt/top", from a few hundred examples.
// Prints the pretraining accuracy, how many parameters are trainable, and the fine-tuned accuracy next to
// the same head trained on a randomly initialised frozen backbone (the baseline transfer should beat).
//   npm run example:transfer [-- --retrain --full --smoke]
const fs = require('fs');
const path = require('path');
const { nr, arg, smoke, full, outDir, fashion, elapsed, run } = require('./common');
const { nn, io } = nr;

const backbone = () => new nn.Sequential(
  new nn.Conv2d(1, 16, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),      // (N, 16, 14, 14)
  new nn.Conv2d(16, 32, 3, { padding: 1 }), new nn.ReLU(), new nn.MaxPool2d(2),     // (N, 32, 7, 7)
  new nn.Flatten(), new nn.Linear(32 * 49, 64), new nn.ReLU());                       // (N, 64) features
const count = (ps) => ps.reduce((a, p) => a + p.numel(), 0);
const loader = (x, y, batchSize, shuffle = false) => new nr.data.DataLoader(new nr.data.TensorDataset(x, y), { batchSize, shuffle, seed: 0 });
const norm = (d) => ({ x: d.x.sub(0.2860).div(0.3530), y: d.y });

/** Fine-tunes a new 2-class head on a frozen backbone; resolves to the test accuracy. */
async function fineTune(bb, task, epochs) {
  for (const p of bb.parameters()) p.requiresGrad_(false);                          // freeze the backbone
  const model = new nn.Sequential(bb, new nn.Linear(64, 2));                         // the new head
  const trainable = model.parameters().filter((p) => p.requiresGrad);
  await model.fit(loader(task.train.x, task.train.y, 32, true), {
    epochs, optimizer: new nr.optim.Adam(trainable, { lr: 3e-3 }), loss: 'crossEntropy', verbose: 0,
  });
  return { acc: (await model.evaluate(loader(task.test.x, task.test.y, 500), { metrics: ['accuracy'] })).accuracy, trainable: count(trainable), total: count(model.parameters()) };
}

run(async () => {
  nr.manualSeed(0);
  const dir = outDir('transfer');
  const file = path.join(dir, smoke ? 'backbone-smoke.safetensors' : `backbone${full ? '-full' : ''}.safetensors`);
  const train = norm(fashion('train', smoke ? 256 : undefined)), test = norm(fashion('test', smoke ? 128 : undefined));

  // (1) + (2): the source task, 10 classes.
  if (!fs.existsSync(file) || arg('retrain', false) || smoke) {
    const bb = backbone();
    const model = new nn.Sequential(bb, new nn.Linear(64, 10));
    const epochs = smoke ? 1 : Number(arg('epochs', full ? 5 : 6));
    console.log(`pretraining the backbone on 10-class Fashion-MNIST (${full ? 'full' : 'sample'}, ${train.x.shape[0]} images, ${epochs} epochs)`);
    await model.fit(loader(train.x, train.y, 64, true), {
      epochs, optimizer: new nr.optim.Adam(model.parameters(), { lr: 2e-3 }), loss: 'crossEntropy', verbose: 0,
    });
    const { accuracy } = await model.evaluate(loader(test.x, test.y, 500), { metrics: ['accuracy'] });
    console.log(`source task (10 classes) test accuracy: ${(100 * accuracy).toFixed(2)}%  (${elapsed()})`);
    io.save(file, bb.stateDict(), { metadata: { task: 'fashion-mnist-10', accuracy: accuracy.toFixed(4) } });
    console.log(`backbone weights saved to ${file}`);
  } else {
    console.log(`loading the pretrained backbone from ${file} (pass --retrain to train it again)`);
  }

  // (3): a new model whose backbone gets the saved weights.
  const weights = io.load(file);
  const pretrained = backbone();
  pretrained.loadStateDict(weights);
  console.log(`loaded ${Object.keys(weights).length} tensors into a fresh backbone`);

  // (4): the target task: shirt (class 6) -> 1 vs T-shirt/top (class 0) -> 0, few labelled examples.
  const subset = (d, limit) => {
    let idx = d.y.eq(0).logicalOr(d.y.eq(6)).nonzero().squeeze(1);
    if (limit) idx = idx.narrow(0, 0, Math.min(limit, idx.shape[0]));
    return { x: d.x.indexSelect(0, idx), y: d.y.indexSelect(0, idx).eq(6).long() };
  };
  const task = { train: subset(train, smoke ? 32 : 300), test: subset(test) };
  const epochs = smoke ? 1 : 15;
  console.log(`target task: shirt vs T-shirt/top, ${task.train.x.shape[0]} training / ${task.test.x.shape[0]} test images, ${epochs} epochs`);
  const tuned = await fineTune(pretrained, task, epochs);
  console.log(`fine-tuned head on the frozen pretrained backbone: ${tuned.trainable} of ${tuned.total} parameters trainable, ` +
    `test accuracy ${(100 * tuned.acc).toFixed(2)}%  (${elapsed()})`);
  const baseline = await fineTune(backbone(), task, epochs);
  console.log(`same head on a frozen random backbone (baseline): test accuracy ${(100 * baseline.acc).toFixed(2)}%  (${elapsed()})`);
});
