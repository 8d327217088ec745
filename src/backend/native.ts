// Loads the native addon (prebuilt or locally built) and explains exactly why when it cannot:
// platform/arch, libc, Node-API version, which prebuilds ship, and the command that fixes it.
import * as path from 'path';
import * as fs from 'fs';

/** The functions the addon exports. Each binding reads its views and scalars from the argument block. */
export interface NativeAddon {
  argBuffer(): ArrayBuffer;
  cpuInfo(): { best: string; active: string; threads: number; features: Record<string, boolean> };
  setIsa(name: string): boolean;
  setNumThreads(n: number): void;
  alloc(bytes: number, zero: boolean): ArrayBuffer;
  free(buf: ArrayBuffer, external: boolean): void;
  hostBytesInUse(): number;
  hostBytesAdd(delta: number): void;
  externalBuffers(): boolean;
  cudaInfo(): import('./cuda').CudaInfo;
  [name: string]: any;
}

/** The Node-API version the addon is compiled against (binding.gyp NAPI_VERSION). */
export const NAPI_VERSION = 8;

/** What explainLoadFailure needs to know about the runtime and the package (see probeRuntime). */
export interface LoadProbe {
  platform: string;
  arch: string;
  node: string;
  napi: number;
  /** 'glibc' or 'musl' on Linux, null elsewhere. */
  libc: 'glibc' | 'musl' | null;
  /** The glibc version of this system (Linux/glibc only). */
  glibcVersion?: string;
  /** The folder node-gyp-build searched (package root, or $NEURONA_PREBUILD when set). */
  dir: string;
  /** True when $NEURONA_PREBUILD redirected the search to dir. */
  overridden: boolean;
  /** prebuilds/<tuple>/ entries, per tuple folder present in dir/prebuilds. */
  prebuilds: Record<string, string[]>;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    dir = path.dirname(dir);
  }
  return path.join(__dirname, '..', '..');
}

function listPrebuilds(dir: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let tuples: string[] = [];
  try { tuples = fs.readdirSync(path.join(dir, 'prebuilds')); } catch { return out; }
  for (const t of tuples) {
    try { out[t] = fs.readdirSync(path.join(dir, 'prebuilds', t)).sort(); } catch { /* not a folder */ }
  }
  return out;
}

/** Describes this runtime and the package's prebuilds, for explainLoadFailure. */
export function probeRuntime(root: string = packageRoot()): LoadProbe {
  const override = process.env.NEURONA_PREBUILD;
  const dir = override || root;
  let libc: LoadProbe['libc'] = null;
  let glibcVersion: string | undefined;
  if (process.platform === 'linux') {
    glibcVersion = (process.report?.getReport() as any)?.header?.glibcVersionRuntime;
    libc = glibcVersion ? 'glibc' : 'musl';
  }
  return {
    platform: process.platform, arch: process.arch, node: process.version, napi: Number(process.versions.napi) || 0,
    libc, glibcVersion, dir, overridden: !!override, prebuilds: listPrebuilds(dir),
  };
}

const FROM_SOURCE = 'needs python3, make and a C++17 compiler';

/** The error thrown when the addon cannot be loaded: what was looked for, what was found, the fix. */
export function explainLoadFailure(err: unknown, p: LoadProbe): Error {
  const msg = err instanceof Error ? err.message : String(err);
  const tuple = `${p.platform}-${p.arch}`;
  const libcText = p.libc === 'glibc' ? `, glibc ${p.glibcVersion ?? '?'}` : p.libc === 'musl' ? ', musl libc' : '';
  const lines = [
    `neurona: could not load the native addon for ${tuple} (Node ${p.node}, N-API ${p.napi}${libcText}).`,
    `  cause: ${msg.trim().split('\n').map((l) => l.trim()).join('\n         ')}`,
  ];
  const rebuild = `fix: build it from source: \`npm rebuild neurona --build-from-source\` in your project, or \`npm run build\` in a neurona checkout (${FROM_SOURCE})`;
  const ships = Object.keys(p.prebuilds).filter((t) => p.prebuilds[t].some((f) => f.endsWith('.node')));
  const mine = p.prebuilds[tuple] ?? [];
  const binaries = mine.filter((f) => f.endsWith('.node'));
  if (p.overridden) {
    lines.push(`  NEURONA_PREBUILD is set: the addon was looked for in ${p.dir} only (build/Release, prebuilds/${tuple}).`);
    lines.push('  fix: unset NEURONA_PREBUILD, or point it at a folder holding build/Release/neurona.node or prebuilds/.');
  } else if (p.napi < NAPI_VERSION) {
    lines.push(`  neurona needs Node-API ${NAPI_VERSION} (Node >= 18.17); this Node has ${p.napi}.`);
    lines.push('  fix: upgrade Node.js to 18.17 or newer.');
  } else if (/No native build was found/.test(msg)) {
    if (!ships.length) {
      lines.push(`  this copy of neurona has no prebuilt binaries (${path.join(p.dir, 'prebuilds')} is absent or empty) and no local build (build/Release).`);
      lines.push(`  ${rebuild}.`);
    } else if (!binaries.length) {
      lines.push(`  prebuilt binaries ship for ${ships.join(', ')} only, not for ${tuple}; nothing was built locally either.`);
      lines.push(`  ${rebuild}.`);
    } else if (p.libc === 'musl' && binaries.every((f) => /\.glibc\./.test(f))) {
      lines.push(`  the prebuilt binary for ${tuple} (${binaries.join(', ')}) is for glibc; this system uses musl libc (e.g. Alpine).`);
      lines.push(`  fix: install a compiler (Alpine: \`apk add build-base python3\`) and run \`npm rebuild neurona --build-from-source\`, or use a glibc-based image (e.g. node:20-slim).`);
    } else {
      lines.push(`  prebuilds/${tuple} holds ${binaries.join(', ')}, but none matches this runtime.`);
      lines.push(`  ${rebuild}.`);
    }
  } else if (/GLIBC_|GLIBCXX_|CXXABI_/.test(msg)) {
    const need = /(GLIBC(?:XX)?_[\d.]+)/.exec(msg)?.[1];
    lines.push(`  the binary needs a newer C/C++ runtime${need ? ` (${need})` : ''} than this system has${p.glibcVersion ? ` (glibc ${p.glibcVersion})` : ''}.`);
    lines.push(`  ${rebuild}, or use a newer distribution.`);
  } else if (p.libc === 'musl' && /symbol not found|Error relocating|__[a-z_]+_chk/i.test(msg)) {
    lines.push('  a glibc binary was loaded on a musl libc system (node-gyp-build only recognises Alpine as musl).');
    lines.push('  fix: install a compiler and run `npm rebuild neurona --build-from-source`.');
  } else if (/wrong ELF class|invalid ELF header|not a valid Win32|mach-o|incompatible architecture|exec format/i.test(msg)) {
    lines.push(`  the binary was built for another platform or CPU architecture than ${tuple} (node_modules copied from another machine?).`);
    lines.push('  fix: reinstall on this machine (`rm -rf node_modules && npm install`).');
  } else if (/NODE_MODULE_VERSION|napi_|undefined symbol/.test(msg)) {
    lines.push('  the binary does not match this Node.js (missing Node-API functions or a stale local build).');
    lines.push(`  ${rebuild}.`);
  } else {
    lines.push(`  ${rebuild}.`);
  }
  if (p.arch === 'x64' || p.arch === 'arm64') {
    lines.push(`  (CPU features are not the cause: the addon targets baseline ${p.arch === 'x64' ? 'x86-64' : 'ARMv8'} and picks SIMD kernels at run time.)`);
  }
  const e = new Error(lines.join('\n'));
  (e as any).cause = err;
  return e;
}

let addon: NativeAddon | null = null;

/** The loaded addon; throws a diagnostic error if it cannot be loaded. */
export function native(): NativeAddon {
  if (addon) return addon;
  const root = packageRoot();
  // NEURONA_ADDON_PATH names a specific addon binary (e.g. the sanitizer build, build-asan/neurona.node)
  const override = process.env.NEURONA_ADDON_PATH;
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    addon = (override ? require(path.resolve(override)) : require('node-gyp-build')(root)) as NativeAddon;
  } catch (err) {
    throw explainLoadFailure(err, probeRuntime(root));
  }
  return addon;
}
