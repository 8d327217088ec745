// Helpers of the GPU checks (test/gpu/checks_*.js), shared by vitest and the device runner: compare a
// cuda result, read back to the host, with the CPU kernels' result on the same inputs.
'use strict';

module.exports = function util(nr, expect) {
  /** Elementwise |a - b| <= tol * (1 + |b|) (NaN must match NaN); a is a CPU tensor. */
  const close = (a, b, tol = 1e-5) => {
    expect(a.device).toBe('cpu');
    expect(a.shape).toEqual(b.shape);
    const x = a.toFlatArray(), y = b.toFlatArray();
    for (let i = 0; i < x.length; i++) {
      if (Number.isNaN(y[i])) { expect(Number.isNaN(x[i])).toBe(true); continue; }
      expect(Math.abs(x[i] - y[i])).toBeLessThanOrEqual(tol * (1 + Math.abs(y[i])));
    }
  };
  const onGpu = (t) => t.to('cuda');
  /** A cuda tensor read back to the host (fails when t is not on cuda). */
  const back = (t) => { expect(t.device).toBe('cuda'); return t.to('cpu'); };
  /** Runs f on CPU copies and on cuda copies of the inputs; compares outputs and input gradients. */
  const sameAsCpu = (inputs, f, tol) => {
    const a = inputs.map((t) => t.clone().requiresGrad_()), b = inputs.map((t) => onGpu(t).requiresGrad_());
    const ya = f(...a), yb = f(...b);
    close(back(yb).float(), ya.float(), tol);
    const w = nr.randnLike(ya.float());
    ya.float().mul(w).sum().backward();
    yb.float().mul(onGpu(w)).sum().backward();
    a.forEach((t, i) => close(back(b[i].grad).float(), t.grad.float(), 5 * tol));
  };
  return { close, onGpu, back, sameAsCpu };
};
