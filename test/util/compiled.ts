// Compiles src/ to plain CommonJS for tests that need real JS files (worker_threads, child processes):
// each .ts file is transpiled with the TypeScript compiler API (no type check; tsc --noEmit does that)
// into build/tjs-<pid>/, a private folder per test process so parallel test files never race.
// The loader in src/backend/native.ts finds the addon by walking up to the package root.
import * as fs from 'fs';
import * as path from 'path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');

/** Transpiles src/**\/*.ts once per process; returns the path of the compiled index.js. */
export function compiledIndex(): string {
  const out = path.join(ROOT, 'build', `tjs-${process.pid}`);
  const index = path.join(out, 'index.js');
  if (fs.existsSync(index)) return index;
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
      const res = ts.transpileModule(fs.readFileSync(p, 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
        fileName: p,
      });
      const dest = path.join(out, path.relative(path.join(ROOT, 'src'), p)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, res.outputText);
    }
  };
  walk(path.join(ROOT, 'src'));
  return index;
}

/** Removes this process's compiled copy. */
export function removeCompiled(): void {
  fs.rmSync(path.join(ROOT, 'build', `tjs-${process.pid}`), { recursive: true, force: true });
}
