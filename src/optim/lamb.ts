// LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes"), in the
// exact variant of NVIDIA apex's FusedLAMB (multi_tensor_lamb.cu), computed on the CPU in two fused
// native passes per parameter (moments + norms, then the scaled update).
import { cudaLambStep } from '../cuda/cumisc';
import { sumPow } from '../ops/sumpow';
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamState, ParamsArg, checkBetas, checkBool, checkNum } from './optimizer';

export interface LAMBOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Moment coefficients (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-6, as apex). */
  eps: number;
  /** Weight decay (default 0.01, as apex); decoupled unless adamWMode is false. */
  weightDecay: number;
  /** Divide the moments by 1 - beta^t (default true). */
  biasCorrection: boolean;
  /** Scale the gradient by 1 - beta1 in the first moment (default true); false uses beta3 = 1. */
  gradAveraging: boolean;
  /** true (default): decoupled decay added to the update (AdamW style); false: L2 added to the gradient. */
  adamWMode: boolean;
  /** Clip the global gradient norm (over every parameter of every group) to this value; 0 disables (default 1.0). */
  maxGradNorm: number;
  /** Apply the trust ratio to parameters without weight decay too (NVLAMB; default false). */
  useNvLamb: boolean;
  /** Maximize the objective instead of minimizing (an extension; apex has none). */
  maximize: boolean;
}

/**
 * LAMB as in apex FusedLAMB. Per step, with global gradient norm G over all parameters that have
 * gradients: s = g / max(1, G/maxGradNorm); in L2 mode s += wd*p; m = b1*m + b3*s (b3 = 1-b1 with
 * gradAveraging, else 1); v = b2*v + (1-b2)*s²; u = (m/bc1) / (sqrt(v/bc2) + eps) (bc = 1-b^t, or 1
 * without biasCorrection); in adamW mode u += wd*p. Trust ratio r = ||p|| / ||u|| (p before the
 * update) when both norms are non-zero and (wd != 0 or useNvLamb), else 1; p -= lr * r * u.
 * Differences from apex: the step count is kept per parameter (apex keeps one per group; they agree when
 * every parameter gets a gradient each step), maxGradNorm is read per group and 0 disables clipping,
 * float64 parameters compute in float64, and maximize is supported.
 * State: step, exp_avg, exp_avg_sq.
 */
export class LAMB extends Optimizer<LAMBOptions> {
  constructor(params: ParamsArg<LAMBOptions>, o: Partial<LAMBOptions> = {}) {
    super(params, {
      lr: 1e-3, betas: [0.9, 0.999], eps: 1e-6, weightDecay: 0.01, biasCorrection: true, gradAveraging: true,
      adamWMode: true, maxGradNorm: 1.0, useNvLamb: false, maximize: false, ...o,
    });
  }
  protected get opName(): string { return 'LAMB'; }
  protected get stateTensorKeys(): readonly string[] { return ['exp_avg', 'exp_avg_sq']; }

  protected validateHyper(h: LAMBOptions, where: string): void {
    const op = `LAMB (${where})`;
    checkNum(op, 'learning rate', h.lr, 0);
    checkNum(op, 'epsilon value', h.eps, 0);
    checkBetas(op, h.betas);
    checkNum(op, 'weight_decay value', h.weightDecay, 0);
    checkNum(op, 'max_grad_norm', h.maxGradNorm, 0);
    for (const k of ['biasCorrection', 'gradAveraging', 'adamWMode', 'useNvLamb', 'maximize'] as const) checkBool(op, k, h[k]);
  }

  private globalGradNorm(): number {
    let sq = 0;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        if (!p.grad) continue;
        p.grad._check('LAMB.step (gradient)');
        if (p.grad.device !== 'cpu') { sq += sumPow(p.grad, 2); continue; }
        args().view(p.grad).num(2);
        sq += native().sumPow(p.grad.storage.buf);
      }
    }
    return Math.sqrt(sq);
  }

  private gnorm = 0;

  protected override updateAll(): void {
    this.gnorm = this.globalGradNorm();
    super.updateAll();
  }

  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<LAMBOptions>): void {
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = this.zerosLike(p);
      state.exp_avg_sq = this.zerosLike(p);
    }
    const step = (state.step as number) + 1;
    state.step = step;
    const [b1, b2] = group.betas;
    const bc1 = group.biasCorrection ? 1 - b1 ** step : 1;
    const bc2 = group.biasCorrection ? 1 - b2 ** step : 1;
    const b3 = group.gradAveraging ? 1 - b1 : 1;
    const clip = group.maxGradNorm > 0 && this.gnorm > group.maxGradNorm ? this.gnorm / group.maxGradNorm : 1;
    const m = state.exp_avg as Tensor, v = state.exp_avg_sq as Tensor;
    const ratioOf = (pn: number, un: number) => ((group.useNvLamb || group.weightDecay !== 0) && pn !== 0 && un !== 0 ? group.lr * (pn / un) : group.lr);
    if (p.device !== 'cpu') {
      cudaLambStep(p, g, m, v, { b1, b2, b3, bc1, bc2, eps: group.eps, wd: group.weightDecay, div: clip, adamW: group.adamWMode, maximize: group.maximize },
        ratioOf, (t) => sumPow(t, 2));
      return;
    }
    const scalars = (ratio: number) => [b1, b2, b3, bc1, bc2, group.eps, group.weightDecay, clip, ratio, group.adamWMode ? 1 : 0, group.maximize ? 1 : 0];
    args().view(p).view(g).view(m).view(v).nums(scalars(0));
    const [psq, usq] = native().optimLamb1(p.storage.buf, g.storage.buf, m.storage.buf, v.storage.buf) as [number, number];
    const ratio = ratioOf(Math.sqrt(psq), Math.sqrt(usq));
    args().view(p).view(m).view(v).nums(scalars(ratio));
    native().optimLamb2(p.storage.buf, m.storage.buf, v.storage.buf);
  }
}
