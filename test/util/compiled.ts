// Compiles src/ to plain CommonJS for tests that need real JS files (worker_threads, child processes):
// each .ts file is transpiled by tools/transpile.js (no type check; tsc --noEmit does that)
// into build/tjs-<pid>/, a private folder per test process so parallel test files never race.
// The loader in src/backend/native.ts finds the addon by walking up to the package root.
import * as fs from 'fs';
import * as path from 'path';
import { createRequire } from 'module';

const ROOT = path.resolve(__dirname, '..', '..');
const { transpileInto } = createRequire(__filename)(path.join(ROOT, 'tools', 'transpile.js')) as { transpileInto: (out: string) => string };

/** Transpiles src/**\/*.ts once per process; returns the path of the compiled index.js. */
export function compiledIndex(): string {
  const out = path.join(ROOT, 'build', `tjs-${process.pid}`);
  const index = path.join(out, 'index.js');
  if (fs.existsSync(index)) return index;
  return transpileInto(out);
}

/** Removes this process's compiled copy. */
export function removeCompiled(): void {
  fs.rmSync(path.join(ROOT, 'build', `tjs-${process.pid}`), { recursive: true, force: true });
}
