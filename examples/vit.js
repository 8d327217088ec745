// A Vision Transformer (ViT) on Fashion-MNIST: each 28x28 image is cut into 7x7 patches (16 of them),
// each patch is linearly embedded (a stride-7 Conv2d), a learnable [CLS] token is prepended, learned
// position embeddings are added, and a stack of pre-norm Transformer encoder layers (bidirectional
// self-attention) runs over the 17 tokens; the [CLS] output goes through LayerNorm and a linear
// classifier. Trained with model.fit (AdamW, cosine decay). Writes out/vit/training-curve.svg.
//   npm run example:vit [-- --epochs 8 --full --smoke]
const { nr, full, fitClassifier, run } = require('./common');
const { nn } = nr;

class ViT extends nn.Module {
  constructor({ patch = 7, dModel = 64, nhead = 4, layers = 3, numClasses = 10 } = {}) {
    super();
    const nPatches = (28 / patch) ** 2;
    this.patchEmbed = new nn.Conv2d(1, dModel, patch, { stride: patch });        // (N, E, 4, 4)
    this.cls = new nn.Parameter(nr.zeros([1, 1, dModel]));
    this.pos = new nn.Parameter(nr.randn([1, nPatches + 1, dModel]).mul(0.02));
    this.encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(dModel, nhead, {
      dimFeedforward: 2 * dModel, dropout: 0.1, activation: 'gelu', batchFirst: true, normFirst: true,
    }), layers);
    this.norm = new nn.LayerNorm(dModel);
    this.head = new nn.Linear(dModel, numClasses);
  }
  /** x (N, 1, 28, 28) -> logits (N, classes). */
  forward(x) {
    const N = x.shape[0];
    const p = this.patchEmbed.forward(x).flatten(2).transpose(1, 2);                // (N, 16, E)
    const tokens = nr.cat([this.cls.expand([N, 1, p.shape[2]]), p], 1).add(this.pos); // (N, 17, E)
    const h = this.encoder.forward(tokens);
    return this.head.forward(this.norm.forward(h.select(1, 0)));                    // [CLS] token
  }
}

run(async () => {
  nr.manualSeed(0);
  await fitClassifier('vit', new ViT(), { epochs: full ? 15 : 6, lr: 2e-3, batchSize: 64, weightDecay: 0.05 });
});
