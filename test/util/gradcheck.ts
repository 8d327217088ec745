// Finite-difference gradient check in float64 (like torch.autograd.gradcheck): for each input that
// requires grad, compares the analytic gradient of sum(f(inputs) * w) (w random, fixed) with central
// differences. Inputs may be non-contiguous views; they are perturbed in place through data copies.
import * as nr from '../../src/index';
import type { Tensor } from '../../src/index';

export interface GradcheckOpts { eps?: number; atol?: number; rtol?: number; }

/** Clones t into a float64 leaf (optionally as a transposed/strided view of a larger tensor). */
export function leaf64(values: number[] | Tensor, shape?: number[]): Tensor {
  const t = Array.isArray(values) ? nr.fromArray(Float64Array.from(values), shape!) : values.detach().to('float64').clone();
  return t.requiresGrad_(true);
}

/** Random float64 leaf with values in [lo, hi). */
export function rand64(shape: number[], lo = -1, hi = 1): Tensor {
  return nr.uniform(shape, lo, hi, { dtype: 'float64' }).requiresGrad_(true);
}

function scalarize(out: Tensor | Tensor[], weights: Tensor[]): Tensor {
  const outs = Array.isArray(out) ? out : [out];
  let total: Tensor | null = null;
  outs.forEach((o, i) => {
    if (!o.isFloatingPoint()) return;
    const s = o.to('float64').mul(weights[i]).sum();
    total = total ? total.add(s) : s;
  });
  if (!total) throw new Error('gradcheck: no floating output');
  return total;
}

/**
 * Throws (with the worst element) if analytic and numeric gradients differ beyond atol + rtol*|numeric|.
 * `f` must be deterministic and use only `inputs`.
 */
export function gradcheck(f: (...xs: Tensor[]) => Tensor | Tensor[], inputs: Tensor[], o: GradcheckOpts = {}): void {
  const eps = o.eps ?? 1e-6, atol = o.atol ?? 1e-5, rtol = o.rtol ?? 1e-3;
  const first = f(...inputs);
  const outs = Array.isArray(first) ? first : [first];
  const weights = outs.map((t) => nr.uniform(t.shape, 0.5, 1.5, { dtype: 'float64' }));
  for (const x of inputs) x.grad = null;
  const loss = scalarize(first, weights);
  loss.backward();
  const evalLoss = () => nr.noGrad(() => scalarize(f(...inputs), weights).item() as number);
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) return;
    const analytic = x.grad ? x.grad.toFlatArray() : new Array(x.numel()).fill(0);
    // Perturb element i through a contiguous copy written back into x's (possibly strided) storage.
    const base = x.detach().contiguous().toFlatArray();
    for (let i = 0; i < base.length; i++) {
      const set = (v: number) => {
        const vals = base.slice();
        vals[i] = v;
        nr.noGrad(() => x.detach().copy_(nr.fromArray(Float64Array.from(vals), x.shape as number[])));
      };
      set(base[i] + eps);
      const lp = evalLoss();
      set(base[i] - eps);
      const lm = evalLoss();
      set(base[i]);
      const numeric = (lp - lm) / (2 * eps);
      const a = analytic[i];
      if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck: input ${k} element ${i}: analytic ${a} vs numeric ${numeric} (shape [${x.shape}])`);
      }
    }
  });
}
