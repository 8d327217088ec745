// Transpiles src/**/*.ts to plain CommonJS (TypeScript's transpileModule, no type check) into
// build/tools-js-<pid>/ for the tool scripts that run the library outside vitest (leakcheck, soak),
// so they always run the current sources without a dist/ build. Removed again at process exit.
// `transpileSrc()` returns the path of the compiled index.js.
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');

function transpileSrc() {
  const ts = require('typescript');
  const out = path.join(root, 'build', `tools-js-${process.pid}`);
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
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  return path.join(out, 'index.js');
}

module.exports = { transpileSrc };
