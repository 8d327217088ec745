// RMSprop (torch.optim.RMSprop): running average of squared gradients, optional centering (subtract
// the squared running mean) and momentum; one fused native pass per parameter.
import { cudaRmspropStep } from '../cuda/cumisc';
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamState, ParamsArg, checkBool, checkNum } from './optimizer';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalise by an estimate of the gradient's variance instead of its second moment. */
  centered: boolean;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/**
 * torch.optim.RMSprop: sq = alpha*sq + (1-alpha)*g², avg = sqrt(sq [- ga²]) + eps, p -= lr * g/avg
 * (through a momentum buffer when momentum > 0). State: step, square_avg, momentum_buffer, grad_avg.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsArg<RMSpropOptions>, o: Partial<RMSpropOptions> = {}) {
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...o });
  }
  protected get opName(): string { return 'RMSprop'; }
  protected get stateTensorKeys(): readonly string[] { return ['square_avg', 'momentum_buffer', 'grad_avg']; }

  protected validateHyper(h: RMSpropOptions, where: string): void {
    const op = `RMSprop (${where})`;
    checkNum(op, 'learning rate', h.lr, 0);
    checkNum(op, 'epsilon value', h.eps, 0);
    checkNum(op, 'momentum value', h.momentum, 0);
    checkNum(op, 'weight_decay value', h.weightDecay, 0);
    checkNum(op, 'alpha value', h.alpha, 0);
    checkBool(op, 'centered', h.centered);
    checkBool(op, 'maximize', h.maximize);
  }

  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    if (state.step === undefined) {
      state.step = 0;
      state.square_avg = this.zerosLike(p);
    }
    const mom = group.momentum > 0;
    if (mom && !state.momentum_buffer) state.momentum_buffer = this.zerosLike(p);
    if (group.centered && !state.grad_avg) state.grad_avg = this.zerosLike(p);
    state.step = (state.step as number) + 1;
    const sq = state.square_avg as Tensor;
    const ga = group.centered ? (state.grad_avg as Tensor) : sq;
    const buf = mom ? (state.momentum_buffer as Tensor) : sq;
    if (p.device !== 'cpu') { cudaRmspropStep(p, g, sq, group.centered ? ga : null, mom ? buf : null, group); return; }
    args().view(p).view(g).view(sq).view(ga).view(buf)
      .num(group.lr).num(group.alpha).num(group.eps).num(group.weightDecay).num(group.momentum)
      .num(group.centered ? 1 : 0).num(group.maximize ? 1 : 0);
    native().optimRmsprop(p.storage.buf, g.storage.buf, sq.storage.buf, ga.storage.buf, buf.storage.buf);
  }
}
