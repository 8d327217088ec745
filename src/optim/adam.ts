// Adam and AdamW (torch.optim.Adam / AdamW, single-tensor formulas incl. amsgrad and maximize):
// one fused native pass per parameter updates exp_avg, exp_avg_sq (and max_exp_avg_sq) and the weights.
import { cudaAdamStep } from '../cuda/nn';
import { cudaAdamExtStep } from '../cuda/cumisc';
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { Optimizer, ParamGroup, ParamState, ParamsArg, checkBetas, checkBool, checkNum } from './optimizer';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Coefficients of the running averages of the gradient and its square (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the AMSGrad variant (max of past second moments). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing. */
  maximize: boolean;
}

function validateAdam(op: string, h: AdamOptions): void {
  checkNum(op, 'learning rate', h.lr, 0);
  checkNum(op, 'epsilon value', h.eps, 0);
  checkBetas(op, h.betas);
  checkNum(op, 'weight_decay value', h.weightDecay, 0);
  checkBool(op, 'amsgrad', h.amsgrad);
  checkBool(op, 'maximize', h.maximize);
}

function adamUpdate(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdamOptions>, decoupled: boolean, zeros: (p: Tensor) => Tensor): void {
  if (state.step === undefined) {
    state.step = 0;
    state.exp_avg = zeros(p);
    state.exp_avg_sq = zeros(p);
    if (group.amsgrad) state.max_exp_avg_sq = zeros(p);
  }
  if (group.amsgrad && !state.max_exp_avg_sq) state.max_exp_avg_sq = zeros(p);
  const step = (state.step as number) + 1;
  state.step = step;
  const [b1, b2] = group.betas;
  const lr = group.lr, wd = group.weightDecay;
  const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
  const m = state.exp_avg as Tensor, v = state.exp_avg_sq as Tensor;
  if (p.device !== 'cpu') {
    // plain Adam/AdamW: the measured AdamW kernel; amsgrad or L2 decay: the general kernel (cumisc.ts)
    if (group.amsgrad || (!decoupled && wd !== 0)) cudaAdamExtStep(p, g, m, v, group.amsgrad ? (state.max_exp_avg_sq as Tensor) : null, step, group, decoupled);
    else cudaAdamStep(p, g, m, v, step, lr, group.betas, group.eps, decoupled ? wd : 0, group.maximize);
    return;
  }
  const vmax = group.amsgrad ? (state.max_exp_avg_sq as Tensor) : v;
  args().view(p).view(g).view(m).view(v).view(vmax)
    .num(lr / bc1).num(b1).num(b2).num(group.eps).num(wd).num(Math.sqrt(bc2)).num(1 - lr * wd)
    .num(decoupled ? 1 : 0).num(group.amsgrad ? 1 : 0).num(group.maximize ? 1 : 0);
  native().optimAdam(p.storage.buf, g.storage.buf, m.storage.buf, v.storage.buf, vmax.storage.buf);
}

const ADAM_STATE = ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq'];

/**
 * torch.optim.Adam: m = b1*m + (1-b1)*g, v = b2*v + (1-b2)*g², p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps);
 * weightDecay adds wd*p to the gradient (L2). State: step, exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad).
 */
export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, o: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...o });
  }
  protected get opName(): string { return 'Adam'; }
  protected get stateTensorKeys(): readonly string[] { return ADAM_STATE; }
  protected validateHyper(h: AdamOptions, where: string): void { validateAdam(`Adam (${where})`, h); }
  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, g, state, group, false, (t) => this.zerosLike(t));
  }
}

/**
 * torch.optim.AdamW: Adam with decoupled weight decay, p *= 1 - lr*wd before the Adam step
 * (Loshchilov & Hutter). Default weightDecay 1e-2.
 */
export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, o: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...o });
  }
  protected get opName(): string { return 'AdamW'; }
  protected get stateTensorKeys(): readonly string[] { return ADAM_STATE; }
  protected validateHyper(h: AdamOptions, where: string): void { validateAdam(`AdamW (${where})`, h); }
  protected updateParam(p: Tensor, g: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(p, g, state, group, true, (t) => this.zerosLike(t));
  }
}
