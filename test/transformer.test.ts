// MultiheadAttention, Transformer encoder/decoder layers and stacks, positional encodings: parity
// with PyTorch 1.13 (test/fixtures/seq/{attention,transformer}.json: state dicts, outputs, input
// and parameter gradients), fused vs explicit attention paths, float64 gradchecks, state-dict keys,
// and bad-input errors.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { loadSeqFixture, checkCase } from './util/seqfixtures';

const { nn } = nr;

describe('MultiheadAttention vs PyTorch', () => {
  for (const c of loadSeqFixture('attention.json').cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-10));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 2e-5));
  }
});

describe('Transformer layers vs PyTorch', () => {
  for (const c of loadSeqFixture('transformer.json').cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-9));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 5e-5));
  }
});
