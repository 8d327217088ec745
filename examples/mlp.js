// A multilayer perceptron on Fashion-MNIST: Flatten -> Linear(784, 512) -> ReLU -> Dropout ->
// Linear(512, 256) -> ReLU -> Dropout -> Linear(256, 10), trained with model.fit (AdamW, cosine LR
// decay, cross-entropy). Prints per-epoch loss/accuracy and the final test accuracy; writes the
// training curve to out/mlp/training-curve.svg. --full trains on the 60k/10k set (target >= 89%).
//   npm run example:mlp [-- --epochs 10 --full --smoke]
const { nr, full, fitClassifier, run } = require('./common');
const { nn } = nr;

run(async () => {
  nr.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Flatten(),
    new nn.Linear(784, 512), new nn.ReLU(), new nn.Dropout(0.2),
    new nn.Linear(512, 256), new nn.ReLU(), new nn.Dropout(0.2),
    new nn.Linear(256, 10));
  await fitClassifier('mlp', model, { epochs: full ? 20 : 10, lr: 1e-3, batchSize: full ? 128 : 64, weightDecay: 1e-4 });
});
