// Bad input to the public API: wrong shapes, impossible broadcasts, dtype mismatches, out-of-range
// dims, NaN/Inf creation arguments, negative and huge sizes, ragged arrays, disposed tensors and
// wrong argument types. Each must throw a JS error whose message names the op (and the shapes where
// they matter), and the process must keep working afterwards. Also feeds hostile argument blocks
// straight to the native bindings, which must refuse them rather than read or write out of bounds.
import { describe, it, expect } from 'vitest';
import * as nr from '../src/index';
import type { Tensor } from '../src/index';
import { native } from '../src/backend/native';
import { args } from '../src/backend/args';

/** Expects fn to throw an error of class `cls` whose message matches every regex. */
function throws(fn: () => unknown, cls: ErrorConstructor, ...res: RegExp[]): void {
  let err: unknown = null;
  try { fn(); } catch (e) { err = e; }
  expect(err, `expected ${cls.name} matching ${res.join(' ')}`).toBeInstanceOf(cls);
  for (const re of res) expect((err as Error).message).toMatch(re);
}

const f32 = (shape: number[]) => nr.ones(shape);

describe('wrong shapes', () => {
  it('reshape / view / unflatten', () => {
    throws(() => f32([2, 3]).reshape([4, 2]), RangeError, /^reshape: /, /\[4, 2\]/, /size 6/);
    throws(() => f32([2, 3]).reshape([-1, -1]), RangeError, /^reshape: /, /only one dimension can be -1/);
    throws(() => f32([2, 3]).reshape([-1, 4]), RangeError, /^reshape: /, /\[-1, 4\]/);
    throws(() => f32([2, 3]).reshape([2.5, 2]), RangeError, /^reshape: /, /invalid shape/);
    throws(() => f32([2, 3]).t().view([6]), Error, /^view: /, /\[6\]/, /\[3, 2\]/, /reshape\(\)/);
    throws(() => f32([2, 6]).unflatten(1, [4, 2]), RangeError, /^unflatten: /, /\[4, 2\]/);
  });
  it('cat / stack / split / permute / expand / t', () => {
    throws(() => nr.cat([f32([2, 3]), f32([3, 3])], 1), RangeError, /^cat: /, /\[2, 3\], \[3, 3\]/);
    throws(() => nr.cat([f32([2, 3]), f32([2])], 0), RangeError, /^cat: /, /\[2, 3\], \[2\]/);
    throws(() => nr.cat([]), RangeError, /^cat: /, /non-empty/);
    throws(() => nr.stack([f32([2, 3]), f32([3, 2])]), RangeError, /^stack: /, /\[2, 3\], \[3, 2\]/);
    throws(() => f32([5]).split([2, 2]), RangeError, /^split: /, /size 5/);
    throws(() => f32([5]).split(0), RangeError, /^split: /);
    throws(() => f32([5]).chunk(0), RangeError, /^chunk: /);
    throws(() => f32([2, 3]).permute([0]), RangeError, /^permute: /, /\[2, 3\]/);
    throws(() => f32([2, 3]).permute([1, 1]), RangeError, /^permute: /, /repeated/);
    throws(() => f32([2, 3]).expand([4, 3, 2]), RangeError, /^expand: /, /\[2, 3\]/, /\[4, 3, 2\]/);
    throws(() => f32([2, 3]).expand([3]), RangeError, /^expand: /, /\[2, 3\]/);
    throws(() => f32([2, 3, 4]).t(), RangeError, /^t: /, /\[2, 3, 4\]/);
    throws(() => f32([2]).narrow(0, 1, 2), RangeError, /^narrow: /, /size 2/);
    throws(() => f32([2, 3]).select(1, 3), RangeError, /^select: /, /index 3/, /\[2, 3\]/);
    throws(() => f32([2, 3]).slice(1, 0, 3, 0), RangeError, /^slice: /, /step/);
  });
  it('creation and data access', () => {
    throws(() => nr.fromArray([1, 2, 3], [2, 2]), RangeError, /^fromArray: /, /3 values/, /\[2, 2\]/);
    throws(() => f32([2]).item(), RangeError, /^item: /, /\[2\]/, /2 elements/);
    throws(() => f32([2, 2]).backward(), Error, /^backward: /);
    const x = nr.ones([2, 2], { requiresGrad: true });
    throws(() => x.mul(2).backward(nr.ones([3])), Error, /^backward: /, /\[3\]/, /\[2, 2\]/);
    throws(() => x.mul(2).backward(), Error, /^backward: /, /scalar/, /\[2, 2\]/);
    throws(() => f32([2, 3]).copy_(f32([2])), RangeError, /^copy_: /, /\[2\]/, /\[2, 3\]/);
    throws(() => f32([3]).add_(f32([2, 3])), RangeError, /^add_: /, /\[2, 3\]/, /\[3\]/);
  });
  it('reductions without an identity over empty dims', () => {
    throws(() => f32([0, 3]).amax(0), RangeError, /^amax: /, /empty/, /\[0, 3\]/);
    throws(() => f32([0, 3]).max(0), RangeError, /^max: /, /empty/, /\[0, 3\]/);
    throws(() => f32([0]).max(), RangeError, /^max: /, /empty/, /\[0\]/);
    throws(() => f32([0]).argmax(), RangeError, /^argmax: /, /\[0\]/);
    throws(() => f32([3, 0]).argmin(1), RangeError, /^argmin: /, /\[3, 0\]/);
    // empty results are fine, and so are sums over empty dims
    expect(f32([0, 3]).amax(1).shape).toEqual([0]);
    expect(f32([0, 3]).sum(0).toArray()).toEqual([0, 0, 0]);
    expect(f32([0]).prod().item()).toBe(1);
  });
});

describe('incompatible broadcasts', () => {
  it('binary ops, where, comparisons, in-place', () => {
    throws(() => f32([2, 3]).add(f32([4])), RangeError, /^add: /, /\[2, 3\] and \[4\]/, /broadcast/);
    throws(() => f32([2, 3]).mul(f32([3, 2])), RangeError, /^mul: /, /\[2, 3\] and \[3, 2\]/);
    throws(() => nr.sub(f32([5]), f32([4])), RangeError, /^sub: /, /\[5\] and \[4\]/);
    throws(() => f32([2, 3]).lt(f32([2])), RangeError, /^lt: /, /\[2, 3\] and \[2\]/);
    throws(() => nr.maximum(f32([2, 3]), f32([2])), RangeError, /^maximum: /);
    throws(() => nr.where(f32([2, 3]).gt(0), f32([4]), 0), RangeError, /^where: /, /\[2, 3\]/, /\[4\]/);
    throws(() => nr.broadcastTensors(f32([2]), f32([3])), RangeError, /^broadcastTensors: /, /\[2\] and \[3\]/);
    throws(() => f32([3]).mul_(f32([2, 3])), RangeError, /^mul_: /);
  });
});

describe('dtype mismatches', () => {
  it('float16/bfloat16 compute on the CPU goes through float32 and keeps the storage dtype', () => {
    const h = nr.tensor([0.5, 1, 2], { dtype: 'float16' });
    expect(h.exp().dtype).toBe('float16');
    expect(h.exp().toFlatArray().map((v) => +v.toFixed(2))).toEqual([1.65, 2.72, 7.39]);
    expect(h.add(h).dtype).toBe('float16');
    expect(h.sum().dtype).toBe('float16');
    expect(h.add(nr.tensor([1], { dtype: 'bfloat16' })).dtype).toBe('float32');   // torch: f16 + bf16 -> f32
  });
  it('the native kernels refuse float16 compute directly with a TypeError', () => {
    const h = nr.zeros([4], { dtype: 'float16' });
    const out = nr.zeros([4], { dtype: 'float16' });
    const codes = native().opCodes();
    args().num(codes.unary.exp).num(0).num(0).view(out).view(h);
    throws(() => native().unary(out.storage.buf, h.storage.buf), TypeError, /float16 is a storage dtype/);
    args().num(0).num(1).num(0).view(out).view(h);
    throws(() => native().reduce(out.storage.buf, h.storage.buf), TypeError, /float16|bfloat16/);
  });
  it('bool arithmetic, integer-only rules and casts in place', () => {
    throws(() => nr.tensor([true]).sub(nr.tensor([false])), TypeError, /^sub: /, /bool/);
    throws(() => nr.tensor([true]).div(nr.tensor([true]), { roundingMode: 'floor' }), TypeError, /bool/);
    throws(() => nr.arange(3).mean(), TypeError, /^mean: /, /int64/);
    throws(() => nr.arange(3).var(), TypeError, /^var: /, /int64/);
    throws(() => nr.arange(3).pow(-1), RangeError, /^pow: /, /negative integer powers/);
    throws(() => nr.arange(3).floorDivide(0), RangeError, /^floorDivide: /, /division by zero/);
    throws(() => nr.arange(3).remainder(0), RangeError, /^remainder: /, /division by zero/);
    throws(() => nr.arange(3).fmod(nr.tensor([1, 0, 2])), RangeError, /^fmod: /, /division by zero/);
    expect(nr.arange(3).float().fmod(0).isnan().all().item()).toBe(true);     // floats give NaN, as torch
    throws(() => nr.arange(3).add_(0.5), TypeError, /^add_: /, /float32/, /int64/);
    throws(() => nr.tensor([true]).add_(1), TypeError, /^add_: /, /int64/, /bool/);
    throws(() => nr.arange(3).div_(2), TypeError, /^div_: /);
    expect(nr.arange(3).float().add_(nr.tensor([true])).toArray()).toEqual([1, 2, 3]);
  });
  it('requiresGrad and random generators need float dtypes; unknown dtypes are named', () => {
    throws(() => nr.ones([2], { dtype: 'int32', requiresGrad: true }), TypeError, /^ones: /, /floating/);
    throws(() => nr.zeros([2], { dtype: 'int64' }).requiresGrad_(), TypeError, /^requiresGrad_: /, /int64/);
    throws(() => nr.randn([2], { dtype: 'int32' }), TypeError, /^randn: /, /int32/);
    throws(() => nr.rand([2], { dtype: 'float16' }), TypeError, /^rand: /, /float16/);
    throws(() => nr.ones([2], { dtype: 'float8' as any }), TypeError, /^ones: /, /unknown dtype "float8"/);
    throws(() => f32([2]).to('int8' as any), TypeError, /^to: /, /unknown dtype "int8"/);
    throws(() => nr.setDefaultDtype('int32'), TypeError, /^setDefaultDtype: /);
    throws(() => f32([2]).to('cuda'), Error, /^to: /, /cuda/);
    throws(() => nr.zeros([2], { device: 'cuda' }), Error, /cuda/);
  });
});

describe('out-of-range dims', () => {
  const x = () => f32([2, 3]);
  it.each([
    ['transpose', () => x().transpose(0, 2)], ['transpose', () => x().transpose(-3, 0)],
    ['sum', () => x().sum(2)], ['sum', () => x().sum([0, 5])], ['mean', () => x().mean(-3)],
    ['prod', () => x().prod(2)], ['max', () => x().max(2)], ['min', () => x().min(-3)],
    ['amax', () => x().amax(4)], ['argmax', () => x().argmax(2)], ['var', () => x().var(2)],
    ['logsumexp', () => x().logsumexp(3)], ['norm', () => x().norm(2, 3)],
    ['squeeze', () => x().squeeze(2)], ['unsqueeze', () => x().unsqueeze(4)], ['unsqueeze', () => x().unsqueeze(-4)],
    ['flatten', () => x().flatten(0, 2)], ['narrow', () => x().narrow(2, 0, 1)], ['select', () => x().select(2, 0)],
    ['slice', () => x().slice(3)], ['split', () => x().split(1, 2)], ['chunk', () => x().chunk(2, 2)],
    ['unbind', () => x().unbind(2)], ['cat', () => nr.cat([x(), x()], 2)], ['stack', () => nr.stack([x(), x()], 3)],
    ['size', () => x().size(2)], ['permute', () => x().permute([0, 2])],
  ])('%s', (op, fn) => {
    throws(fn, RangeError, new RegExp(`^${op}: `), /out of range/, /2 dims/);
  });
  it('repeated dims and non-integer dims', () => {
    throws(() => x().sum([0, 0]), RangeError, /^sum: /, /multiple times/);
    throws(() => x().sum([1, -1]), RangeError, /^sum: /, /multiple times/);
    throws(() => x().sum(0.5), RangeError, /^sum: /, /0.5/);
    throws(() => x().transpose(NaN, 0), RangeError, /^transpose: /, /NaN/);
  });
});

describe('NaN, Inf and bad numbers in creation arguments', () => {
  it('arange / linspace', () => {
    throws(() => nr.arange(NaN), RangeError, /^arange: /, /finite/, /NaN/);
    throws(() => nr.arange(0, Infinity), RangeError, /^arange: /, /finite/, /Infinity/);
    throws(() => nr.arange(0, 5, -Infinity), RangeError, /^arange: /, /finite/);
    throws(() => nr.arange(0, 5, 0), RangeError, /^arange: /, /step/);
    throws(() => nr.arange(0, 5, -1), RangeError, /^arange: /, /step sign/);
    throws(() => nr.arange(0, 1e15, 1e-5), RangeError, /^arange: /, /elements/);
    throws(() => nr.linspace(0, 1, NaN), RangeError, /^linspace: /, /NaN/);
    throws(() => nr.linspace(0, 1, -2), RangeError, /^linspace: /, /-2/);
    throws(() => nr.linspace(0, 1, 2.5), RangeError, /^linspace: /);
    // NaN endpoints are values, as in torch
    expect(nr.linspace(NaN, 1, 3).isnan().all().item()).toBe(true);
  });
  it('random generators', () => {
    throws(() => nr.uniform([2], NaN, 1), RangeError, /^uniform: /, /NaN/);
    throws(() => nr.uniform([2], 0, Infinity), RangeError, /^uniform: /, /Infinity/);
    throws(() => nr.uniform([2], 2, 1), RangeError, /^uniform: /, /low=2/);
    throws(() => nr.normal([2], 0, NaN), RangeError, /^normal: /, /std/);
    throws(() => nr.normal([2], 0, -1), RangeError, /^normal: /, /std/);
    throws(() => nr.randint(0, NaN, [2]), RangeError, /^randint: /);
    throws(() => nr.randint(5, 5, [2]), RangeError, /^randint: /);
    throws(() => nr.randint(0.5, 5, [2]), RangeError, /^randint: /);
    throws(() => nr.randperm(-1), RangeError, /^randperm: /);
    throws(() => nr.randperm(NaN), RangeError, /^randperm: /);
    throws(() => nr.manualSeed(NaN), RangeError, /^manualSeed: /);
    throws(() => nr.manualSeed(-1), RangeError, /^manualSeed: /);
  });
  it('shapes made of NaN, Infinity, fractions or strings', () => {
    throws(() => nr.zeros([NaN]), RangeError, /^zeros: /, /invalid shape/);
    throws(() => nr.zeros([Infinity]), RangeError, /^zeros: /, /invalid shape/);
    throws(() => nr.ones([2, 1.5]), RangeError, /^ones: /, /invalid shape/);
    throws(() => nr.empty(['2' as any]), RangeError, /^empty: /, /invalid shape/);
    throws(() => nr.eye(NaN), RangeError, /^eye: /);
    throws(() => nr.full([2], 1, { dtype: 'float33' as any }), TypeError, /^full: /);
    throws(() => nr.tensor([NaN], { dtype: 'int64' }), RangeError, /^tensor: /, /NaN/);
    throws(() => nr.tensor([Infinity], { dtype: 'int64' }), RangeError, /^tensor: /, /Infinity/);
    // integers that do not fit the requested dtype are refused, as torch's overflow check
    throws(() => nr.tensor([300], { dtype: 'uint8' }), RangeError, /^tensor: /, /300/, /uint8/, /overflow/);
    throws(() => nr.tensor([3e9], { dtype: 'int32' }), RangeError, /^tensor: /, /int32/);
    throws(() => nr.tensor([NaN], { dtype: 'int32' }), RangeError, /^tensor: /, /NaN/);
    throws(() => nr.fromArray(new Float64Array([1, 2 ** 64]), [2], { dtype: 'int64' }), RangeError, /^fromArray: /, /int64/);
    throws(() => nr.tensor(BigInt64Array.from([1n]), { dtype: 'int32' }).add(nr.fromArray([2 ** 40], [1], { dtype: 'int32' })), RangeError, /^fromArray: /);
    throws(() => nr.full([2], 300, { dtype: 'uint8' }), RangeError, /^full: /, /300/);
    throws(() => nr.full([2], NaN, { dtype: 'int64' }), RangeError, /^full: /, /NaN/);
    throws(() => nr.full([2], 'x' as any), TypeError, /^full: /);
    expect(nr.tensor([-1], { dtype: 'uint8' }).toArray()).toEqual([255]);      // small negatives wrap, as torch
    expect(nr.full([1], 2.7, { dtype: 'int32' }).toArray()).toEqual([2]);       // truncation is not overflow
    // integral values beyond int64 are floats: tensor([1e19]) is float32, as in torch
    expect(nr.tensor([1e19]).dtype).toBe('float32');
    expect(nr.tensor([2 ** 62]).dtype).toBe('int64');
    // NaN/Inf values in float tensors are data, not errors
    expect(nr.full([2], NaN).isnan().all().item()).toBe(true);
    expect(nr.tensor([Infinity, -Infinity]).isinf().all().item()).toBe(true);
  });
});

describe('negative and huge requested sizes', () => {
  it('negative sizes are RangeErrors', () => {
    throws(() => nr.zeros([-1]), RangeError, /^zeros: /, /\[-1\]/);
    throws(() => nr.zeros(-3), RangeError, /^zeros: /, /-3/);
    throws(() => nr.ones([2, -2]), RangeError, /^ones: /);
    throws(() => nr.eye(-1), RangeError, /^eye: /);
    throws(() => nr.randn([3, -1]), RangeError, /^randn: /);
    throws(() => f32([2, 3]).expand([-2, 2, 3]), RangeError, /^expand: /);
  });
  it('huge sizes are refused or fail cleanly, without allocating or crashing', () => {
    const one = f32([1]), oneByOne = f32([1, 1]);
    const before = nr.backend.hostBytesInUse();
    throws(() => nr.zeros([2 ** 31, 2 ** 31]), RangeError, /^zeros: /, /\[2147483648, 2147483648\]/, /elements/);
    throws(() => nr.empty([2 ** 53]), RangeError, /^empty: /, /elements/);
    throws(() => nr.ones([2 ** 20, 2 ** 20, 2 ** 20]), RangeError, /^ones: /);
    throws(() => nr.randn([2 ** 45]), RangeError, /^randn: /);
    throws(() => nr.arange(0, 2 ** 50), RangeError, /^arange: /);
    throws(() => oneByOne.expand([2 ** 40, 2 ** 40]), RangeError, /^expand: /, /elements/);
    // within the element limit but beyond this machine: the allocator says no, as a RangeError
    throws(() => nr.zeros([2 ** 40], { dtype: 'float64' }), RangeError, /^zeros: /, /cannot allocate/, /\[1099511627776\]/);
    throws(() => nr.full([2 ** 39], 1), RangeError, /^full: /, /cannot allocate/);
    throws(() => one.expand([2 ** 39]).add(1), RangeError, /^add: /, /cannot allocate/);
    throws(() => nr.zeros(Array(13).fill(1)), RangeError, /^zeros: /, /13 dims/);
    expect(nr.backend.hostBytesInUse()).toBe(before);
  });
});

describe('ragged and malformed nested arrays', () => {
  it.each([
    [[[1, 2], [3]], RangeError, /ragged/],
    [[[1], [2, 3]], RangeError, /ragged/],
    [[[1, 2], 3], RangeError, /ragged/],
    [[1, [2]], TypeError, /got object/],
    [[[[1]], [2]], RangeError, /ragged/],
    [['a'], TypeError, /got string/],
    [[null], TypeError, /got object/],
    [[undefined], TypeError, /got undefined/],
    [[BigInt(1)], TypeError, /got bigint/],
    [[{}], TypeError, /got object/],
    [undefined, TypeError, /got undefined/],
    ['abc', TypeError, /got string/],
  ] as [any, ErrorConstructor, RegExp][])('tensor(%s)', (data, cls, re) => {
    throws(() => nr.tensor(data), cls, /^tensor: /, re);
  });
  it('shape details in the ragged message', () => {
    throws(() => nr.tensor([[1, 2, 3], [4, 5]]), RangeError, /expected length 3 at depth 1/, /\[2, 3\]/);
  });
  it('too many dims', () => {
    let deep: any = 1;
    for (let i = 0; i < 13; i++) deep = [deep];
    throws(() => nr.tensor(deep), RangeError, /^tensor: /, /13 dims/);
  });
});

describe('disposed tensors', () => {
  const freed = () => { const t = nr.ones([2, 3]); t.dispose(); return t; };
  // a disposed handle whose storage is still alive through another view
  const handle = () => { const b = nr.ones([2, 3]); const v = b.reshape([2, 3]); v.dispose(); return v; };
  const ok = nr.ones([2, 3]);
  const OPS: [string, (t: Tensor) => unknown][] = [
    // views
    ['reshape', (t) => t.reshape([-1])], ['view', (t) => t.view([-1])], ['transpose', (t) => t.transpose(0, 1)],
    ['permute', (t) => t.permute([1, 0])], ['squeeze', (t) => t.squeeze()], ['unsqueeze', (t) => t.unsqueeze(0)],
    ['expand', (t) => t.expand([2, 2, 3])], ['narrow', (t) => t.narrow(0, 0, 1)], ['slice', (t) => t.slice(0, 0, 1)],
    ['select', (t) => t.select(0, 0)], ['split', (t) => t.split(1)], ['chunk', (t) => t.chunk(2)],
    ['cat', (t) => nr.cat([ok, t])], ['stack', (t) => nr.stack([ok, t])], ['detach', (t) => t.detach()],
    // elementwise
    ['add', (t) => t.add(1)], ['add', (t) => ok.add(t)], ['mul', (t) => t.mul(ok)], ['maximum', (t) => ok.maximum(t)],
    ['where', (t) => nr.where(ok.gt(0), t, 2)], ['where', (t) => nr.where(t, 1, 2)], ['exp', (t) => t.exp()],
    ['relu', (t) => t.relu()], ['clamp', (t) => t.clamp(0, 1)], ['pow', (t) => t.pow(2)], ['eq', (t) => t.eq(ok)],
    // reductions
    ['sum', (t) => t.sum()], ['mean', (t) => t.mean(0)], ['max', (t) => t.max()], ['max', (t) => t.max(0)],
    ['argmax', (t) => t.argmax()], ['var', (t) => t.var()], ['norm', (t) => t.norm()], ['logsumexp', (t) => t.logsumexp(0)],
    ['all', (t) => t.all()], ['prod', (t) => t.prod()],
    // data access and conversion
    ['data', (t) => t.data()], ['item', (t) => t.item()], ['toArray', (t) => t.toArray()], ['toFlatArray', (t) => t.toFlatArray()],
    ['clone', (t) => t.clone()], ['contiguous', (t) => t.contiguous()], ['to', (t) => t.to('float64')], ['to', (t) => t.to('float32')],
    // in place and autograd
    ['fill_', (t) => t.fill_(1)], ['copy_', (t) => t.copy_(ok)], ['copy_', (t) => ok.clone().copy_(t)], ['add_', (t) => t.add_(1)],
    ['clamp_', (t) => t.clamp_(0, 1)], ['backward', (t) => t.backward()], ['equal', (t) => t.equal(ok)], ['allclose', (t) => t.allclose(ok)],
    // creation from a tensor
    ['tensor', (t) => nr.tensor(t)], ['zerosLike', (t) => nr.zerosLike(t)], ['onesLike', (t) => nr.onesLike(t)],
  ];
  for (const [kind, mk] of [['freed storage', freed], ['disposed handle, live storage', handle]] as const) {
    describe(kind, () => {
      it.each(OPS)('%s', (op, fn) => {
        throws(() => fn(mk()), Error, new RegExp(`^${op}: tensor of shape \\[2, 3\\] was disposed`));
      });
    });
  }
  it('dispose is idempotent, isDisposed reports it, toString does not throw', () => {
    const t = nr.ones([2]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(String(t)).toMatch(/disposed/);
  });
  it('a zero-copy array from data() is emptied by dispose, never left dangling', () => {
    const t = nr.ones([4]);
    const d = t.data();
    t.dispose();
    expect(d.length).toBe(0);
    expect((d as Float32Array)[0]).toBeUndefined();
  });
  it('the native layer refuses a detached storage', () => {
    const t = nr.ones([2]);
    const buf = t.storage.buf;
    t.dispose();
    args().view({ dtype: 'float32', shape: [2], strides: [1], offset: 0 }).num(1);
    throws(() => native().fill(buf), Error, /^fill: /, /disposed/);
  });
});

describe('wrong argument types', () => {
  const x = () => f32([2, 3]);
  it('operands of binary ops', () => {
    throws(() => x().add(null as any), TypeError, /^add: /, /second operand/, /null/);
    throws(() => x().add(undefined as any), TypeError, /^add: /, /undefined/);
    throws(() => x().mul('2' as any), TypeError, /^mul: /, /string/);
    throws(() => x().sub({} as any), TypeError, /^sub: /, /object/);
    throws(() => x().div([1, 2, 3] as any), TypeError, /^div: /, /array/);
    throws(() => nr.add(3 as any, x()), TypeError, /^add: /, /first operand/);
    throws(() => x().maximum(3 as any), TypeError, /^maximum: /, /number/);
    throws(() => x().atan2(1 as any), TypeError, /^atan2: /);
    throws(() => x().pow('a' as any), TypeError, /^pow: /, /exponent/);
    throws(() => nr.where(x().gt(0) as any, 'a' as any, 1), TypeError, /^where: /);
    throws(() => nr.where(true as any, 1, 2), TypeError, /^where: /, /condition/);
    throws(() => x().add_('1' as any), TypeError, /^add_: /);
    throws(() => x().equal(3 as any), TypeError, /^equal: /);
  });
  it('parameters of unary ops', () => {
    throws(() => x().clamp('a' as any), TypeError, /^clamp: /, /min/);
    throws(() => x().clamp(), TypeError, /^clamp: /, /min or max/);
    throws(() => x().clamp_(0, 'b' as any), TypeError, /^clamp_: /, /max/);
    throws(() => x().leakyRelu('a' as any), TypeError, /^leakyRelu: /);
    throws(() => x().elu(null as any), TypeError, /^elu: /);
    throws(() => x().softplus({ beta: '2' as any }), TypeError, /^softplus: /, /beta/);
    throws(() => x().hardtanh(1, -1), RangeError, /^hardtanh: /);
  });
  it('shapes, dims, lists, dtypes and devices', () => {
    throws(() => nr.zeros('abc' as any), TypeError, /^zeros: /, /string/);
    throws(() => nr.zeros({} as any), TypeError, /^zeros: /);
    throws(() => x().reshape(6 as any), TypeError, /^reshape: /);
    throws(() => x().expand(3 as any), TypeError, /^expand: /);
    throws(() => x().permute(1 as any), RangeError, /^permute: /);
    throws(() => x().split('a' as any), TypeError, /^split: /);
    throws(() => nr.cat([x(), 5 as any]), TypeError, /^cat: /, /element 1/);
    throws(() => nr.stack([x(), null as any]), TypeError, /^stack: /, /element 1/);
    throws(() => nr.cat('ab' as any), RangeError, /^cat: /);
    throws(() => x().to(null as any), TypeError, /^to: /);
    throws(() => x().to(5 as any), TypeError, /^to: /);
    throws(() => nr.zerosLike([1, 2] as any), TypeError, /^zerosLike: /);
    throws(() => nr.backend.setNumThreads(0), RangeError, /^setNumThreads: /);
    throws(() => nr.backend.setKernelLevel('sse9' as any), Error, /^setIsa: /, /sse9/);
    throws(() => x().registerHook((g) => g), Error, /^registerHook: /);
  });
});

describe('hostile argument blocks at the native layer', () => {
  const buf = () => nr.zeros([8]).storage.buf;   // 32 bytes
  const raw = (dtype: number, ndim: number, offset: number, shape: number[], strides: number[]) => {
    const a = args();
    a.nums([dtype, ndim, offset, ...shape, ...strides]).num(0);
  };
  it.each([
    ['reaches past the end', [0, 1, 0, [9], [1]], /reaches outside its storage/],
    ['negative offset', [0, 1, -1, [2], [1]], /offset/],
    ['negative reach', [0, 1, 2, [4], [-1]], /reaches outside/],
    ['offset past the end', [0, 1, 8, [1], [1]], /reaches outside/],
    ['NaN dim', [0, 1, 0, [NaN], [1]], /dimension/],
    ['fractional dim', [0, 1, 0, [1.5], [1]], /dimension/],
    ['negative dim', [0, 1, 0, [-1], [1]], /dimension/],
    ['NaN stride', [0, 2, 0, [2, 2], [NaN, 1]], /stride/],
    ['huge stride', [0, 1, 0, [2], [2 ** 60]], /stride|reaches outside/],
    ['extent wrapping int64', [0, 1, 0, [2 ** 53], [2 ** 12]], /reaches outside|too many/],
    ['element count overflow', [0, 6, 0, [2 ** 12, 2 ** 12, 2 ** 12, 2 ** 12, 2 ** 12, 2 ** 12], [0, 0, 0, 0, 0, 0]], /too many elements/],
    ['bad dtype code', [42, 1, 0, [2], [1]], /dtype/],
    ['NaN dtype code', [NaN, 1, 0, [2], [1]], /dtype/],
    ['too many dims', [0, 13, 0, Array(13).fill(1), Array(13).fill(1)], /dims/],
    ['NaN ndim', [0, NaN, 0, [], []], /dims/],
  ] as [string, [number, number, number, number[], number[]], RegExp][])('fill: %s', (_n, [dt, nd, off, sh, st], re) => {
    const b = buf();
    raw(dt, nd, off, sh, st);
    throws(() => native().fill(b), Error, /^fill: /, re);
  });
  it('non-buffer and missing arguments', () => {
    args().view({ dtype: 'float32', shape: [2], strides: [1], offset: 0 }).num(0);
    throws(() => native().fill({}), TypeError, /^fill: /, /ArrayBuffer/);
    throws(() => native().fill(), TypeError, /^fill: /);
    throws(() => native().free(5), TypeError, /^free: /);
    throws(() => native().alloc(-1), RangeError, /^alloc: /);
    throws(() => native().alloc(NaN), RangeError, /^alloc: /);
    throws(() => native().alloc('x'), TypeError, /^alloc: /);
  });
  it('mismatched shapes between output and inputs are refused', () => {
    const a = nr.zeros([4]), o = nr.zeros([3]);
    const codes = native().opCodes();
    args().num(codes.binary.add).num(1).num(0).view(o).view(a).view(a);
    throws(() => native().binary(o.storage.buf, a.storage.buf, a.storage.buf), RangeError, /^binary: /, /\[4\]/, /\[3\]/);
    args().num(999).num(0).num(0).view(a).view(a);
    throws(() => native().unary(a.storage.buf, a.storage.buf), RangeError, /^unary: /, /op code/);
  });
});

describe('in-place writes into overlapping memory', () => {
  it('an operand overlapping the destination is read as it was before the write (as out-of-place)', () => {
    const x = nr.tensor([[1, 2], [3, 4]]);
    x.add_(x.t());
    expect(x.toArray()).toEqual([[2, 5], [5, 8]]);
    const a = nr.tensor([[1, 2, 3], [10, 20, 30]]);
    a.add_(a.select(0, 0));                 // row 0 broadcast over a, while row 0 is being written
    expect(a.toArray()).toEqual([[2, 4, 6], [11, 22, 33]]);
    const y = nr.tensor([[1, 2], [3, 4]]);
    y.copy_(y.t());
    expect(y.toArray()).toEqual([[1, 3], [2, 4]]);
    const z = nr.arange(6).float();
    z.narrow(0, 1, 5).copy_(z.narrow(0, 0, 5));   // shifted copy: memmove semantics
    expect(z.toArray()).toEqual([0, 0, 1, 2, 3, 4]);
    const w = nr.tensor([1.5, -2]);
    w.mul_(w);                                // the identical view is fine in place
    expect(w.toArray()).toEqual([2.25, 4]);
  });
  it('writing into an expanded view (several elements, one memory location) is refused', () => {
    const e = nr.ones([3]).expand([2, 3]);
    throws(() => e.add_(1), RangeError, /^add_: /, /\[2, 3\]/, /expanded/);
    throws(() => e.copy_(nr.zeros([2, 3])), RangeError, /^copy_: /, /expanded/);
    throws(() => e.clamp_(0, 0.5), RangeError, /^clamp_: /, /expanded/);
    expect(nr.ones([1]).expand([1, 1]).add_(1).toArray()).toEqual([[2]]);   // size-1 dims are fine
    expect(nr.ones([1, 0]).expand([3, 0]).add_(1).shape).toEqual([3, 0]);   // empty: nothing is written
    expect(nr.zeros([0, 4]).expand([2, 0, 4]).copy_(nr.ones([2, 0, 4])).shape).toEqual([2, 0, 4]);
  });
});

describe('the process survives', () => {
  it('still computes correctly after all of the above', () => {
    const a = nr.arange(6).reshape([2, 3]).float();
    expect(a.mul(2).sum(1).toArray()).toEqual([6, 24]);
    expect(a.t().contiguous().toArray()).toEqual([[0, 3], [1, 4], [2, 5]]);
  });
});
