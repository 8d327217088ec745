// Tiny GPT for the `gpt` workload (BENCHMARKS.md), written with neurona's nn.Module: token and
// learned position embeddings, pre-LN blocks (LN → qkv Linear → causal scaledDotProductAttention →
// proj, residual; LN → Linear d→4d → GELU → Linear 4d→d, residual), final LN and a vocabulary head.
// No dropout. The twin for PyTorch is bench/models/gpt_torch.py.
'use strict';

/** Returns the model classes bound to one loaded neurona package. */
function gptClasses(nr) {
  const { nn } = nr;

  class CausalSelfAttention extends nn.Module {
    constructor(d, nHead) {
      super();
      this.nHead = nHead;
      this.qkv = new nn.Linear(d, 3 * d);
      this.proj = new nn.Linear(d, d);
    }
    // x is (B, T, d) -> (B, T, d)
    forward(x) {
      const [B, T, d] = x.shape, H = this.nHead, Dh = d / H;
      // (B, T, 3d) -> (3, B, H, T, Dh)
      const qkv = this.qkv.forward(x).reshape([B, T, 3, H, Dh]).permute([2, 0, 3, 1, 4]);
      const y = nr.scaledDotProductAttention(qkv.select(0, 0), qkv.select(0, 1), qkv.select(0, 2), { isCausal: true });
      return this.proj.forward(y.transpose(1, 2).reshape([B, T, d]));
    }
  }

  class Block extends nn.Module {
    constructor(d, nHead) {
      super();
      this.ln1 = new nn.LayerNorm(d);
      this.attn = new CausalSelfAttention(d, nHead);
      this.ln2 = new nn.LayerNorm(d);
      this.mlp = new nn.Sequential(new nn.Linear(d, 4 * d), new nn.GELU(), new nn.Linear(4 * d, d));
    }
    forward(x) {
      x = x.add(this.attn.forward(this.ln1.forward(x)));
      return x.add(this.mlp.forward(this.ln2.forward(x)));
    }
  }

  class TinyGPT extends nn.Module {
    constructor({ vocab = 256, d = 128, nHead = 4, nLayer = 2, seq = 128 } = {}) {
      super();
      this.tokEmb = new nn.Embedding(vocab, d);
      this.posEmb = new nn.Embedding(seq, d);
      this.blocks = new nn.ModuleList(Array.from({ length: nLayer }, () => new Block(d, nHead)));
      this.lnF = new nn.LayerNorm(d);
      this.head = new nn.Linear(d, vocab);
      // a non-persistent buffer: moves with .to('cuda'), stays out of the state dict
      this.registerBuffer('pos', nr.arange(0, seq, 1, { dtype: 'int64' }), { persistent: false });
    }
    // idx is (B, T) int64 -> logits (B, T, vocab)
    forward(idx) {
      const T = idx.shape[1];
      let x = this.tokEmb.forward(idx).add(this.posEmb.forward(T === this.pos.shape[0] ? this.pos : this.pos.narrow(0, 0, T)));
      for (const b of this.blocks) x = b.forward(x);
      return this.head.forward(this.lnF.forward(x));
    }
  }

  return { CausalSelfAttention, Block, TinyGPT };
}

module.exports = { gptClasses };
