// `npm run test:install` (part of `npm run test:all`, after `npm run build:prebuilds`): the published package
// installs and works without a compiler. Packs the package (with prebuilds/), installs the tarball
// into a fresh temp project with a PATH that holds only node, npm and a shell (no cc, g++, make,
// python, nvcc; checked), from the npm cache (--prefer-offline), then runs test/install/xor.mjs
// (import), xor.cjs (require) and xor.ts (tsc against the published .d.ts, then run); each trains an
// MLP on XOR and checks that the loss fell. Fails if the install built from source (build/ in the
// installed package) or if the scripts loaded anything but prebuilds/<platform>-<arch>/.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function fail(msg) {
  console.error(`test-install: FAIL: ${msg}`);
  process.exit(1);
}

function run(cmd, args, opts) {
  const shown = [path.basename(cmd), ...args.map((a) => (a.startsWith('/') ? path.basename(a) : a))].join(' ');
  console.log(`test-install: $ ${shown}`);
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  const out = `${r.stdout || ''}${r.stderr || ''}`.trim();
  if (r.status !== 0) fail(`${shown} exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}\n${out}`);
  return opts.stdoutOnly ? r.stdout : out;
}

// The newest mtime under dir (to refuse to ship a prebuild older than the native sources).
function newest(dir) {
  let t = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return t;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`test-install: skipped (prebuilds are made for linux-x64 only; this is ${tuple})`);
  process.exit(0);
}
const prebuild = path.join(root, 'prebuilds', tuple, 'neurona.glibc.node');
if (!fs.existsSync(prebuild)) fail(`${path.relative(root, prebuild)} is missing: run \`npm run build:prebuilds\` first`);
if (fs.statSync(prebuild).mtimeMs < newest(path.join(root, 'native'))) {
  fail(`${path.relative(root, prebuild)} is older than native/: run \`npm run build:prebuilds\` again`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'neurona-install-'));
try {
  // 1. The tarball, as `npm publish` would make it. Its prepare script rebuilds dist/; skipped when
  // dist/ is newer than every file of src/ (as right after `npm install` in CI).
  const distTime = Math.min(...['dist/cjs/index.js', 'dist/esm/index.mjs'].map((f) => (fs.existsSync(path.join(root, f)) ? fs.statSync(path.join(root, f)).mtimeMs : 0)));
  const fresh = distTime > Math.max(newest(path.join(root, 'src')), fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs);
  const packArgs = ['pack', '--json', '--pack-destination', tmp, ...(fresh ? ['--ignore-scripts'] : [])];
  const packed = JSON.parse(run('npm', packArgs, { cwd: root, stdoutOnly: true }).replace(/^[^[]*/s, ''))[0];
  const files = packed.files.map((f) => f.path);
  // data/ ships only the Fashion-MNIST sample (nr.data.fashionMnist() loads it by default).
  const banned = files.filter((f) => /^(build|build-cuda|build-asan|node_modules|test|bench|examples|\.gpu[^/]*|\.ci)\//.test(f) ||
    (/^data\//.test(f) && !/^data\/fashion-mnist-sample\//.test(f)) || /\.tgz$/.test(f));
  if (banned.length) fail(`the tarball ships files it should not: ${banned.slice(0, 5).join(', ')}`);
  for (const f of [`prebuilds/${tuple}/neurona.glibc.node`, 'dist/cjs/index.js', 'dist/cjs/index.d.ts', 'dist/esm/index.mjs']) {
    if (!files.includes(f)) fail(`the tarball lacks ${f}`);
  }
  const withCuda = files.includes(`prebuilds/${tuple}/libneurona_cuda.so`);
  console.log(`test-install: ${packed.filename}: ${files.length} files, ${(packed.size / 1e6).toFixed(1)} MB packed, ` +
    `${(packed.unpackedSize / 1e6).toFixed(1)} MB unpacked, CUDA library ${withCuda ? 'included' : 'not included'} (${since()})`);

  // 2. A PATH with node, npm and a shell only.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin);
  const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath)
    ? process.env.npm_execpath
    : path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  if (!fs.existsSync(npmCli)) fail(`npm-cli.js not found (${npmCli})`);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh'));
  if (fs.existsSync('/usr/bin/which')) fs.symlinkSync('/usr/bin/which', path.join(bin, 'which'));
  else fs.writeFileSync(path.join(bin, 'which'), '#!/bin/sh\ncommand -v "$1"\n', { mode: 0o755 });
  const env = { PATH: bin, HOME: os.homedir(), TMPDIR: os.tmpdir(), LANG: process.env.LANG || 'C.UTF-8' };
  // The same npm cache and config as the checkout's `npm install`; nothing else of this shell.
  for (const k of ['npm_config_cache', 'npm_config_userconfig', 'npm_config_registry']) if (process.env[k]) env[k] = process.env[k];
  for (const tool of ['cc', 'gcc', 'g++', 'c++', 'clang', 'make', 'cmake', 'python', 'python3', 'nvcc']) {
    const r = spawnSync('which', [tool], { env, encoding: 'utf8' });
    if (r.error) fail(`cannot run which in the restricted PATH: ${r.error.message}`);
    if (r.status === 0) fail(`the restricted PATH still finds ${tool}: ${r.stdout.trim()}`);
  }
  console.log(`test-install: PATH=${bin} (node, npm, sh, which); \`which g++\`, make, python3, nvcc, ...: not found`);

  // 3. A fresh project installs the tarball.
  const proj = path.join(tmp, 'app');
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, 'package.json'), JSON.stringify({ name: 'neurona-clean-install', version: '1.0.0', private: true }, null, 2));
  const tarball = path.join(tmp, packed.filename);
  const inst = run(path.join(bin, 'npm'), ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], { cwd: proj, env });
  console.log(inst.split('\n').filter((l) => l.trim()).map((l) => `test-install:   ${l}`).join('\n'));
  const pkg = path.join(proj, 'node_modules', 'neurona');
  if (fs.existsSync(path.join(pkg, 'build'))) fail('the install compiled the addon from source (node_modules/neurona/build exists)');
  console.log(`test-install: installed without building (no node_modules/neurona/build) (${since()})`);

  // 4. ESM, CommonJS and TypeScript consumers.
  for (const f of ['xor.mjs', 'xor.cjs', 'xor.ts']) fs.copyFileSync(path.join(root, 'test', 'install', f), path.join(proj, f));
  const node = (file) => run(path.join(bin, 'node'), [file], { cwd: proj, env });
  console.log(`test-install:   ${node('xor.mjs')}`);
  console.log(`test-install:   ${node('xor.cjs')}`);
  fs.writeFileSync(path.join(proj, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, skipLibCheck: false,
      lib: ['ES2022', 'ESNext.Disposable'], types: ['node'], typeRoots: [path.join(root, 'node_modules', '@types')], outDir: 'out',
    },
    files: ['xor.ts'],
  }, null, 2));
  run(path.join(bin, 'node'), [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: proj, env });
  console.log('test-install:   tsc: xor.ts type-checks against node_modules/neurona/dist/cjs/*.d.ts (strict, no skipLibCheck)');
  console.log(`test-install:   ${node(path.join('out', 'xor.js'))}`);
  console.log(`test-install: ok (${since()})`);
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
