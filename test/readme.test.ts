// Keeps the documentation honest: the README's walkthrough is examples/walkthrough.js verbatim (which
// test/examples.test.ts runs), every neurona name in the README's "PyTorch → neurona" table and in
// the Workers section exists in the exported API, and TypeDoc builds the API reference from the doc
// comments with zero warnings (`npm run docs` without writing HTML).
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as nr from '../src/index';

const ROOT = path.resolve(__dirname, '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The text of the README section under the `## <title...>` heading, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`\n## ${title}`);
  if (start < 0) throw new Error(`README has no section '## ${title}'`);
  const end = README.indexOf('\n## ', start + 4);
  return README.slice(start, end < 0 ? undefined : end);
}

/** Contents of the inline code spans in a piece of markdown (fenced blocks are handled separately). */
function codeSpans(md: string): string[] {
  return [...md.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`]+)`/g)].map((m) => m[1]);
}

/**
 * Dotted names (`nr.io.save`, `x.view`, `model.stateDict`) in a piece of code. String literals are
 * dropped first; a name preceded by `.`, `)` or `]` is a property of a call result and is skipped.
 */
function dottedNames(code: string): string[] {
  const src = code.replace(/'[^']*'|"[^"]*"/g, "''");
  return [...src.matchAll(/(?<![\w$.)\]])([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+)/g)].map((m) => m[1]);
}

/** What each root name of the README's code stands for (see the note above the table). */
function roots(): Record<string, object> {
  const model = new nr.nn.Linear(2, 2);
  const opt = new nr.optim.SGD(model.parameters(), { lr: 0.1 });
  const tensor = nr.zeros([2, 2]);
  return {
    nr, nn: nr.nn, optim: nr.optim, data: nr.data, io: nr.io, train: nr.train,
    x: tensor, a: tensor, b: tensor, t: tensor, w: tensor, loss: tensor,
    model, opt, sched: new nr.optim.lrScheduler.StepLR(opt, { stepSize: 1 }),
  };
}

/** The names among `names` that do not resolve, property by property, from their root in `env`. */
function unresolved(names: string[], env: Record<string, object>, unknownRootOk = false): string[] {
  const bad: string[] = [];
  for (const name of names) {
    const [root, ...props] = name.split('.');
    let v: any = env[root];
    if (v === undefined) { if (!unknownRootOk) bad.push(`${name} (unknown root '${root}')`); continue; }
    for (const p of props) {
      if (v === null || (typeof v !== 'object' && typeof v !== 'function') || !(p in v) || v[p] === undefined) { bad.push(name); break; }
      v = v[p];
    }
  }
  return bad;
}

describe('README', () => {
  it('the walkthrough code block is examples/walkthrough.js below its marker line', () => {
    const block = /```js\n([\s\S]*?)```/.exec(section('Walkthrough'));
    expect(block).not.toBeNull();
    const file = fs.readFileSync(path.join(ROOT, 'examples', 'walkthrough.js'), 'utf8');
    const marker = '// ---- README walkthrough ----\n';
    expect(file).toContain(marker);
    const body = file.slice(file.indexOf(marker) + marker.length)
      .replace("require(process.env.NEURONA_EXAMPLES_LIB || 'neurona')", "require('neurona')");
    expect(block![1]).toBe(body);
    expect(body).toContain("require('neurona')");
  });

  it('every neurona name in the PyTorch → neurona table exists', () => {
    const rows = section('PyTorch → neurona').split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l)).slice(1);
    expect(rows.length).toBeGreaterThan(25);
    const names = rows.flatMap((r) => codeSpans(r.split('|')[2] ?? '').flatMap(dottedNames));
    expect(names.length).toBeGreaterThan(70);
    expect(unresolved(names, roots())).toEqual([]);
    // the check itself catches a misspelt name, a wrong namespace and an unknown root
    expect(unresolved(['x.zero_grad', 'nr.nn.Linearr', 'nn.crossEntropy', 'torch.save'], roots())).toHaveLength(4);
  });

  it('every nr.* name in the Workers section exists', () => {
    const s = section('Workers');
    const code = [...codeSpans(s), ...[...s.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])];
    const names = code.flatMap(dottedNames).filter((n) => n.startsWith('nr.'));
    expect(names).toEqual(expect.arrayContaining(['nr.worker.send', 'nr.worker.unpack', 'nr.worker.pack', 'nr.worker.isPacked']));
    expect(unresolved(names, roots(), true)).toEqual([]);
  });
});

describe('API reference', () => {
  it('TypeDoc validates the doc comments of the public API with zero warnings', () => {
    const bin = path.join(ROOT, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const r = spawnSync(process.execPath, [bin, '--emit', 'none', '--treatWarningsAsErrors'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    const out = `${r.stdout}${r.stderr}`;
    expect(out).not.toMatch(/warning|error/i);
    expect(r.status, out).toBe(0);
  }, 150_000);
});
