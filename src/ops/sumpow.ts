// sum(|x|^p) (or max|x| for p = Infinity) of one tensor of any float dtype and strides, computed
// natively in double precision: used by gradient clipping and by the NaN/Inf checks of anomaly
// mode and GradScaler. float16/bfloat16 go through a float32 copy; cuda tensors use device ops.
import { native } from '../backend/native';
import { args } from '../backend/args';
import type { Tensor } from '../tensor';
import { cudaSumPow } from '../cuda/layers';

export function sumPow(t: Tensor, p: number): number {
  if (t.device !== 'cpu') return cudaSumPow(t, p);
  const v = t.dtype === 'float32' || t.dtype === 'float64' ? t : t.to('float32');
  try {
    args().view(v).num(p);
    return native().sumPow(v.storage.buf) as number;
  } finally {
    if (v !== t) v.dispose();
  }
}
