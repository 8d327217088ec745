// A convolutional network on Fashion-MNIST: two conv blocks (Conv 3x3 -> BatchNorm -> ReLU, twice, then
// MaxPool) with 32 and 64 channels, then Linear(64*7*7, 128) -> Dropout -> Linear(128, 10). Trained with
// model.fit (AdamW, cosine LR decay). Prints per-epoch metrics and the final test accuracy; writes
// out/cnn/training-curve.svg. --full trains on the 60k/10k set (target >= 91%).
//   npm run example:cnn [-- --epochs 8 --full --smoke]
const { nr, full, fitClassifier, run } = require('./common');
const { nn } = nr;

const convBnRelu = (cin, cout) => [new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cout), new nn.ReLU()];

run(async () => {
  nr.manualSeed(0);
  const c1 = full ? 32 : 16, c2 = full ? 64 : 32;
  const model = new nn.Sequential(
    ...convBnRelu(1, c1), ...convBnRelu(c1, c1), new nn.MaxPool2d(2),     // (N, c1, 14, 14)
    ...convBnRelu(c1, c2), ...convBnRelu(c2, c2), new nn.MaxPool2d(2),    // (N, c2, 7, 7)
    new nn.Flatten(), new nn.Linear(c2 * 49, 128), new nn.ReLU(), new nn.Dropout(0.3), new nn.Linear(128, 10));
  await fitClassifier('cnn', model, { epochs: full ? 10 : 6, lr: 2e-3, batchSize: full ? 128 : 64, weightDecay: 1e-4 });
});
