// CUDA backend loading on a machine without a GPU (CI, this dev box): the addon loads, CUDA reports
// unavailable with a reason naming the missing piece, and CPU work is unaffected.
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as nr from '../src';

const hasGpu = fs.existsSync('/dev/nvidiactl') || fs.existsSync('/dev/nvidia0');

describe('cuda backend status', () => {
  it.skipIf(hasGpu)('is unavailable without a GPU, with a clear reason', () => {
    expect(nr.cuda.isAvailable()).toBe(false);
    const info = nr.cuda.info();
    expect(info.available).toBe(false);
    expect(info.devices).toEqual([]);
    // either the library is missing, or it loaded and the driver/device is missing
    expect(info.reason).toMatch(/libneurona_cuda\.so\) was not found|no NVIDIA driver|no CUDA device|not available on macOS|only built for Linux/);
    if (process.platform === 'linux') {
      expect(info.searched.length).toBeGreaterThan(0);
      expect(info.searched.every((p) => p.endsWith('libneurona_cuda.so'))).toBe(true);
      if (info.library === null) expect(info.reason).toMatch(/npm run build:cuda|NEURONA_CUDA_LIB/);
      else expect(info.runtimeVersion).toBeGreaterThanOrEqual(12000);
    }
    expect(nr.cuda.deviceCount()).toBe(0);
  });

  it('returns the same answer on every call and a fresh object each time', () => {
    const a = nr.cuda.info(), b = nr.cuda.info();
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
    a.devices.push({ index: 9, name: 'x', cc: '0.0', memory: 0, multiprocessors: 0 });
    expect(nr.cuda.info().devices.length).toBe(b.devices.length);
    expect(nr.cuda.isAvailable()).toBe(a.available);
  });

  it('leaves CPU work unaffected', () => {
    nr.cuda.info();
    const x = nr.tensor([1.5, 2, 3], { dtype: 'float32' });
    expect(Array.from(x.add(x).data() as Float32Array)).toEqual([3, 4, 6]);
  });
});
