// sum(|x|^p) (or max|x| for p = Infinity) of one tensor of any float dtype and strides, computed
// natively in double precision: used by gradient clipping and by the NaN/Inf checks of anomaly
// mode and GradScaler. float16/bfloat16 go through a float32 copy; cuda tensors use device ops.
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { noGrad } from '../autograd';

export function sumPow(t: Tensor, p: number): number {
  if (t.device !== 'cpu') {
    // on cuda: composed of device ops in float32 (one readback per tensor); NaN/Inf propagate
    return noGrad(() => {
      const a = t.float().abs();
      const r = p === Infinity ? a.amax() : p === 2 ? a.mul(a).sum() : p === 1 ? a.sum() : a.pow(p).sum();
      return r.item() as number;
    });
  }
  const v = t.dtype === 'float32' || t.dtype === 'float64' ? t : t.to('float32');
  try {
    args().view(v).num(p);
    return native().sumPow(v.storage.buf) as number;
  } finally {
    if (v !== t) v.dispose();
  }
}
