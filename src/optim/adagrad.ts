// Adagrad (torch.optim.Adagrad): per-element learning rates from the running sum of squared
// gradients, with lr decay over steps; one fused native pass per parameter.
import { cudaAdagradStep } from '../cuda/cumisc';
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamState, ParamsArg, checkBool, checkNum } from './optimizer';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: clr = lr / (1 + (t-1)*lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the squared-gradient sum (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

/** torch.optim.Adagrad: sum += g², p -= clr * g / (sqrt(sum) + eps). State: step, sum (created with the optimizer). */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsArg<AdagradOptions>, o: Partial<AdagradOptions> = {}) {
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...o });
  }
  protected get opName(): string { return 'Adagrad'; }
  protected get stateTensorKeys(): readonly string[] { return ['sum']; }

  protected validateHyper(h: AdagradOptions, where: string): void {
    const op = `Adagrad (${where})`;
    checkNum(op, 'learning rate', h.lr, 0);
    checkNum(op, 'lr_decay value', h.lrDecay, 0);
    checkNum(op, 'weight_decay value', h.weightDecay, 0);
    checkNum(op, 'initial_accumulator_value', h.initialAccumulatorValue, 0);
    checkNum(op, 'epsilon value', h.eps, 0);
    checkBool(op, 'maximize', h.maximize);
  }

  protected override onAddGroup(group: ParamGroup<AdagradOptions>): void {
    for (const p of group.params) this.initState(p, group);
  }

  private initState(p: Tensor, group: ParamGroup<AdagradOptions>): ParamState {
    const s = this.stateOf(p);
    if (s.step === undefined) {
      s.step = 0;
      s.sum = this.zerosLike(p, group.initialAccumulatorValue);
    }
    return s;
  }

  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdagradOptions>): void {
    if (state.step === undefined) this.initState(p, group);
    const step = (state.step as number) + 1;
    state.step = step;
    const clr = group.lr / (1 + (step - 1) * group.lrDecay);
    const sum = state.sum as Tensor;
    if (p.device !== 'cpu') { cudaAdagradStep(p, g, sum, clr, group); return; }
    args().view(p).view(g).view(sum).num(clr).num(group.eps).num(group.weightDecay).num(group.maximize ? 1 : 0);
    native().optimAdagrad(p.storage.buf, g.storage.buf, sum.storage.buf);
  }
}
