// `npm test`: runs vitest, then prints one plain closing line "N passed, N failed, N skipped"
// (from vitest's JSON report) and exits with vitest's status.
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const os = require('os');
const report = path.join(os.tmpdir(), `neurona-vitest-${process.pid}.json`);
const vitest = require.resolve('vitest/vitest.mjs');
const r = spawnSync(process.execPath, [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { stdio: 'inherit' });
let line = null;
try {
  const j = JSON.parse(fs.readFileSync(report, 'utf8'));
  line = `tests: ${j.numPassedTests} passed, ${j.numFailedTests} failed, ${j.numPendingTests + j.numTodoTests} skipped`;
  fs.unlinkSync(report);
} catch (_) { /* vitest crashed before writing its report */ }
if (line) console.log(line);
process.exit(r.status ?? 1);
