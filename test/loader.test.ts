// Addon loader: NEURONA_ADDON_PATH makes src/backend/native.ts load that exact binary (how the
// sanitizer runs load build-asan/neurona.node), and a path that does not load gives the loader's
// diagnostic with the cause. Checked in child processes (the addon is loaded once per process).
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compiledIndex, removeCompiled } from './util/compiled';

afterAll(() => removeCompiled());

function inChild(env: Record<string, string>, body: string) {
  const script = `const nr = require(${JSON.stringify(compiledIndex())});\n${body}`;
  return spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
}

describe('NEURONA_ADDON_PATH', () => {
  it('loads the named binary', () => {
    // a copy elsewhere, so the normal lookup (build/Release) cannot be what gets mapped
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neurona-loader-'));
    const bin = path.join(dir, 'copy.node');
    fs.copyFileSync(path.resolve(__dirname, '..', 'build', 'Release', 'neurona.node'), bin);
    const r = inChild({ NEURONA_ADDON_PATH: bin }, `
      const y = nr.arange(6).float().reshape([2, 3]).sum(1).toArray();
      const maps = require('fs').readFileSync('/proc/self/maps', 'utf8');
      console.log(JSON.stringify({ y, mapped: maps.includes(${JSON.stringify(bin)}) }));`);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out.y).toEqual([3, 12]);
    if (process.platform === 'linux') expect(out.mapped).toBe(true);
  });
  it('a binary that cannot be loaded gives the diagnostic with its cause', () => {
    const r = inChild({ NEURONA_ADDON_PATH: '/nonexistent/neurona.node' }, 'nr.zeros([1]);');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/neurona: could not load the native addon/);
    expect(r.stderr).toMatch(/cause: .*\/nonexistent\/neurona\.node/);
  });
});
