// Lists the C++ sources of the core addon for binding.gyp (so adding a kernel file needs no gyp edit).
// Everything under native/ except CUDA; one path per line, relative to the package root.
const fs = require('fs');
const path = require('path');
const root = path.join(__dirname, '..');
function walk(dir, out) {
  for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.posix.join(dir, e.name);
    if (e.isDirectory()) walk(rel, out);
    else if (/\.(cc|cpp)$/.test(e.name) && !/(^|\/)test\//.test(rel)) out.push(rel);
  }
  return out;
}
process.stdout.write(walk('native', []).sort().join('\n') + '\n');
