// Loading failures explain themselves: the real loader pointed at an empty folder ($NEURONA_PREBUILD),
// and the message builder on the other causes (platform without a prebuild, musl vs glibc, old glibc,
// foreign binary, old Node) — each names the runtime and the fix.
import { describe, it, expect, afterEach } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createRequire } from 'module';
import { native, explainLoadFailure, probeRuntime, type LoadProbe } from '../src/backend/native';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neurona-load-'));
fs.writeFileSync(path.join(tmp, 'package.json'), '{"name":"neurona"}');

function probe(over: Partial<LoadProbe>): LoadProbe {
  return { platform: 'linux', arch: 'x64', node: 'v20.20.2', napi: 9, libc: 'glibc', glibcVersion: '2.36', dir: '/pkg', overridden: false, prebuilds: {}, ...over };
}
// node-gyp-build's own message for a folder without a usable binary.
function notFound(libc = 'glibc', arch = 'x64') {
  return new Error(`No native build was found for platform=linux arch=${arch} runtime=node abi=115 uv=1 libc=${libc} node=20.20.2\n    loaded from: /pkg\n`);
}

afterEach(() => { delete process.env.NEURONA_PREBUILD; });

describe('native addon load errors', () => {
  it('the loader pointed at an empty folder says where it looked and what to do', () => {
    process.env.NEURONA_PREBUILD = tmp;
    let err: Error | null = null;
    try { native(); } catch (e) { err = e as Error; }
    expect(err).not.toBeNull();
    const m = err!.message;
    expect(m).toContain(`could not load the native addon for ${process.platform}-${process.arch}`);
    expect(m).toContain(`N-API ${process.versions.napi}`);
    if (process.platform === 'linux') expect(m).toMatch(/glibc \d+\.\d+|musl libc/);
    expect(m).toContain('No native build was found');
    expect(m).toContain(`NEURONA_PREBUILD is set: the addon was looked for in ${tmp}`);
    expect(m).toContain('fix: unset NEURONA_PREBUILD');
    delete process.env.NEURONA_PREBUILD;
    expect(native().cpuInfo().threads).toBeGreaterThan(0); // a failed load is not cached
  });

  it('the same empty folder as a package: no prebuilds shipped, build from source', () => {
    let err: unknown;
    try { createRequire(__filename)('node-gyp-build')(tmp); } catch (e) { err = e; }
    const p = probeRuntime(tmp);
    expect(p.dir).toBe(tmp);
    expect(p.prebuilds).toEqual({});
    const m = explainLoadFailure(err, p).message;
    expect(m).toContain('has no prebuilt binaries');
    expect(m).toContain('npm rebuild neurona --build-from-source');
    expect(m).toContain('npm run build');
    expect(m).toContain('C++17 compiler');
  });

  it('a platform without a prebuild (linux-arm64) lists what ships', () => {
    const m = explainLoadFailure(notFound('glibc', 'arm64'), probe({ arch: 'arm64', prebuilds: { 'linux-x64': ['libneurona_cuda.so', 'neurona.glibc.node'] } })).message;
    expect(m).toContain('for linux-arm64 (Node v20.20.2, N-API 9, glibc 2.36)');
    expect(m).toContain('prebuilt binaries ship for linux-x64 only, not for linux-arm64');
    expect(m).toContain('npm rebuild neurona --build-from-source');
    expect(m).toContain('baseline ARMv8');
  });

  it('musl libc with a glibc-only prebuild names musl and the Alpine fix', () => {
    const m = explainLoadFailure(notFound('musl'), probe({ libc: 'musl', glibcVersion: undefined, prebuilds: { 'linux-x64': ['neurona.glibc.node'] } })).message;
    expect(m).toContain('musl libc');
    expect(m).toContain('(neurona.glibc.node) is for glibc; this system uses musl libc');
    expect(m).toContain('apk add build-base python3');
  });

  it('too old a glibc names the missing version and this system\'s', () => {
    const cause = new Error("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /pkg/prebuilds/linux-x64/neurona.glibc.node)");
    const m = explainLoadFailure(cause, probe({ glibcVersion: '2.31' })).message;
    expect(m).toContain('newer C/C++ runtime (GLIBC_2.34) than this system has (glibc 2.31)');
    expect(m).toContain('npm rebuild neurona --build-from-source');
    expect((explainLoadFailure(cause, probe({})) as any).cause).toBe(cause);
  });

  it('a binary for another platform or architecture says reinstall', () => {
    const m = explainLoadFailure(new Error('/pkg/build/Release/neurona.node: wrong ELF class: ELFCLASS32'), probe({})).message;
    expect(m).toContain('built for another platform or CPU architecture than linux-x64');
    expect(m).toContain('rm -rf node_modules && npm install');
    expect(m).toContain('baseline x86-64');
  });

  it('an old Node-API names the Node version needed', () => {
    const m = explainLoadFailure(notFound(), probe({ napi: 7, node: 'v14.16.0' })).message;
    expect(m).toContain('needs Node-API 8 (Node >= 18.17); this Node has 7');
    expect(m).toContain('upgrade Node.js');
  });
});
