// A small ResNet on Fashion-MNIST: a 3x3 stem, then three stages of BasicBlocks (two 3x3 convs with
// BatchNorm, plus an identity skip connection, or a strided 1x1 conv + BatchNorm projection when the
// shape changes), global average pooling and a linear classifier. Trained with model.fit (AdamW,
// cosine decay). Prints per-epoch metrics and the test accuracy; writes out/resnet/training-curve.svg.
//   npm run example:resnet [-- --epochs 4 --blocks 1 --full --smoke]
const { nr, arg, full, fitClassifier, run } = require('./common');
const { nn } = nr;

/** out = relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
class BasicBlock extends nn.Module {
  constructor(cin, cout, stride = 1) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.shortcut = stride !== 1 || cin !== cout
      ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
      : new nn.Identity();
  }
  forward(x) {
    const h = this.bn1.forward(this.conv1.forward(x)).relu();
    return this.bn2.forward(this.conv2.forward(h)).add(this.shortcut.forward(x)).relu();
  }
}

class ResNet extends nn.Module {
  constructor(widths = [16, 32, 64], blocksPerStage = 1, numClasses = 10) {
    super();
    this.stem = new nn.Sequential(new nn.Conv2d(1, widths[0], 3, { padding: 1, bias: false }), new nn.BatchNorm2d(widths[0]), new nn.ReLU());
    const blocks = [];
    let cin = widths[0];
    widths.forEach((w, stage) => {
      for (let b = 0; b < blocksPerStage; b++) {
        blocks.push(new BasicBlock(cin, w, stage > 0 && b === 0 ? 2 : 1));      // 28 -> 28 -> 14 -> 7
        cin = w;
      }
    });
    this.layers = new nn.Sequential(...blocks);
    this.pool = new nn.AdaptiveAvgPool2d(1);
    this.fc = new nn.Linear(cin, numClasses);
  }
  forward(x) {
    const h = this.pool.forward(this.layers.forward(this.stem.forward(x)));       // (N, C, 1, 1)
    return this.fc.forward(h.flatten(1));
  }
}

run(async () => {
  nr.manualSeed(0);
  const model = new ResNet([16, 32, 64], Number(arg('blocks', full ? 2 : 1)));
  await fitClassifier('resnet', model, { epochs: full ? 10 : 4, lr: 3e-3, batchSize: 64, weightDecay: 1e-4 });
});
