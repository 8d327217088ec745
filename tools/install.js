// npm install hook: loads a matching prebuilt binary if there is one (node-gyp-build), otherwise
// compiles the addon from source using every available core (JOBS).
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const env = { ...process.env };
if (!env.JOBS) env.JOBS = String(Math.max(1, (os.availableParallelism ? os.availableParallelism() : os.cpus().length)));
const bin = require.resolve('node-gyp-build/bin.js');
const r = spawnSync(process.execPath, [bin], { stdio: 'inherit', env, cwd: path.join(__dirname, '..') });
process.exit(r.status ?? 1);
