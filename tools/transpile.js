// Transpiles src/**/*.ts to plain CommonJS (TypeScript's transpileModule, no type check) for code
// that runs the library outside vitest without a dist/ build: the tool scripts (leakcheck, soak)
// and the tests that need real JS files (test/util/compiled.ts, for workers and child processes).
//   transpileInto(out) -> path of out/index.js
//   transpileSrc()     -> the same into build/tools-js-<pid>/, removed again at process exit
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function transpileInto(out) {
  const ts = require('typescript');
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      if (!e.name.endsWith('.ts') || e.name.endsWith('.d.ts')) continue;
      const res = ts.transpileModule(fs.readFileSync(p, 'utf8'), {
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, esModuleInterop: true },
        fileName: p,
      });
      const dest = path.join(out, path.relative(path.join(root, 'src'), p)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, res.outputText);
    }
  };
  walk(path.join(root, 'src'));
  return path.join(out, 'index.js');
}

function transpileSrc() {
  const out = path.join(root, 'build', `tools-js-${process.pid}`);
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return transpileInto(out);
}

module.exports = { transpileInto, transpileSrc };
