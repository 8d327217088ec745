// Loads the native addon (prebuilt or locally built) and explains exactly why when it cannot.
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
  externalBuffers(): boolean;
  cudaInfo(): import('./cuda').CudaInfo;
  [name: string]: any;
}

function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'binding.gyp'))) return dir;
    dir = path.dirname(dir);
  }
  return path.join(__dirname, '..', '..');
}

function explain(err: unknown, root: string): Error {
  const msg = err instanceof Error ? err.message : String(err);
  const libc = (process.report?.getReport() as any)?.header?.glibcVersionRuntime;
  const lines = [
    `neurona: could not load the native addon for ${process.platform}-${process.arch} (Node ${process.version}, N-API ${process.versions.napi}${libc ? `, glibc ${libc}` : process.platform === 'linux' ? ', musl libc' : ''}).`,
    `  cause: ${msg}`,
  ];
  const pre = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  if (/No native build was found/.test(msg)) {
    lines.push(fs.existsSync(pre)
      ? `  a prebuild folder exists (${pre}) but none of its binaries matches this runtime.`
      : `  no prebuilt binary ships for ${process.platform}-${process.arch}, and no local build was found.`);
    lines.push('  fix: build from source with `npm run build:native` (needs python3, make and a C++17 compiler).');
  } else if (/GLIBC|GLIBCXX/.test(msg)) {
    lines.push('  fix: the binary needs a newer glibc/libstdc++ than this system has; build from source with `npm run build:native`.');
  } else if (/illegal instruction/i.test(msg)) {
    lines.push('  fix: this binary was compiled for newer CPU features; please report it, and build from source meanwhile.');
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
    throw explain(err, root);
  }
  return addon;
}
