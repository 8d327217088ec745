// Stochastic gradient descent with momentum, dampening, Nesterov momentum, L2 weight decay and
// maximize (torch.optim.SGD); each parameter is updated by one fused native pass.
import { cudaSgdStep } from '../cuda/layers';
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamState, ParamsArg, checkBool, checkNum } from './optimizer';

export interface SGDOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening for momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/**
 * torch.optim.SGD: with momentum m, buf = m*buf + (1-dampening)*g (buf = g on the first step),
 * and the step uses buf (or g + m*buf with Nesterov). State per parameter: momentum_buffer.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, o: Partial<SGDOptions> = {}) {
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...o });
  }
  protected get opName(): string { return 'SGD'; }
  protected get stateTensorKeys(): readonly string[] { return ['momentum_buffer']; }

  protected validateHyper(h: SGDOptions, where: string): void {
    const op = `SGD (${where})`;
    checkNum(op, 'learning rate', h.lr, 0);
    checkNum(op, 'momentum value', h.momentum, 0);
    checkNum(op, 'dampening', h.dampening);
    checkNum(op, 'weight_decay value', h.weightDecay, 0);
    checkBool(op, 'nesterov', h.nesterov);
    checkBool(op, 'maximize', h.maximize);
    if (h.nesterov && (h.momentum <= 0 || h.dampening !== 0)) throw new RangeError(`${op}: Nesterov momentum requires a momentum and zero dampening`);
  }

  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    const mom = group.momentum !== 0;
    let buf = p;
    let first = false;
    if (mom) {
      if (!state.momentum_buffer) {
        state.momentum_buffer = this.zerosLike(p);
        first = true;
      }
      buf = state.momentum_buffer as Tensor;
    }
    if (p.device !== 'cpu') { cudaSgdStep(p, g, mom ? buf : null, first, group); return; }
    args().view(p).view(g).view(buf)
      .num(group.lr).num(group.momentum).num(group.dampening).num(group.weightDecay)
      .num(group.nesterov ? 1 : 0).num(group.maximize ? 1 : 0).num(first ? 1 : 0);
    native().optimSgd(p.storage.buf, g.storage.buf, buf.storage.buf);
  }
}
