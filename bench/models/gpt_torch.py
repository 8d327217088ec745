# PyTorch twin of bench/models/gpt.js: the same tiny GPT. PyTorch 1.13 has no fused
# scaled_dot_product_attention (2.0+), so attention is the explicit formula with a pre-made
# additive causal mask there; with PyTorch >= 2.0 the fused function is used.
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

FUSED = hasattr(F, 'scaled_dot_product_attention')


class CausalSelfAttention(nn.Module):
    def __init__(self, d, n_head, seq):
        super().__init__()
        self.n_head = n_head
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.register_buffer('mask', torch.full((seq, seq), float('-inf')).triu(1), persistent=False)

    def forward(self, x):
        B, T, d = x.shape
        H, Dh = self.n_head, d // self.n_head
        q, k, v = self.qkv(x).reshape(B, T, 3, H, Dh).permute(2, 0, 3, 1, 4)
        if FUSED:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            s = q @ k.transpose(-2, -1) * (1 / math.sqrt(Dh)) + self.mask[:T, :T]
            y = torch.softmax(s, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(B, T, d))


class Block(nn.Module):
    def __init__(self, d, n_head, seq):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, n_head, seq)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.mlp(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab=256, d=128, n_head=4, n_layer=2, seq=128):
        super().__init__()
        self.tok_emb = nn.Embedding(vocab, d)
        self.pos_emb = nn.Embedding(seq, d)
        self.blocks = nn.ModuleList([Block(d, n_head, seq) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx):
        T = idx.shape[1]
        x = self.tok_emb(idx) + self.pos_emb(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))
