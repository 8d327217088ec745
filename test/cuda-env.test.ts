// NEURONA_CUDA_LIB pointing at a file that is not a loadable library: CUDA reports unavailable, the
// reason names the variable, the path and the loader's error; the addon and CPU ops keep working.
// (A file of its own: the loader runs once per process, and vitest runs each file in its own.)
import { describe, it, expect } from 'vitest';
import * as path from 'path';

const bogus = path.join(__dirname, '..', 'package.json');
process.env.NEURONA_CUDA_LIB = bogus;

describe('NEURONA_CUDA_LIB', () => {
  it.skipIf(process.platform !== 'linux')('reports why the given library cannot be loaded', async () => {
    const nr = await import('../src');
    const info = nr.cuda.info();
    expect(info.available).toBe(false);
    expect(info.searched).toEqual([bogus]);
    expect(info.library).toBeNull();
    expect(info.reason).toContain('NEURONA_CUDA_LIB is set');
    expect(info.reason).toContain(bogus);
    expect(info.reason).toMatch(/invalid ELF header|file too short|not an ELF/i);
    expect(nr.tensor([1, 2]).mul(3).toArray()).toEqual([3, 6]);
  });
});
