import { it } from 'vitest';
import * as fs from 'node:fs';
type Fields = Map<number, (bigint | Uint8Array)[]>;
function decode(b: Uint8Array): Fields {
  const out: Fields = new Map(); let i = 0;
  const varint = (): bigint => { let r = 0n, s = 0n; for (;;) { const x = b[i++]; r |= BigInt(x & 0x7f) << s; s += 7n; if (x < 0x80) return r; } };
  while (i < b.length) { const key = Number(varint()), field = key >> 3, wire = key & 7; let v: any;
    if (wire === 0) v = varint(); else if (wire === 2) { const n = Number(varint()); v = b.subarray(i, i + n); i += n; } else if (wire === 5) { v = b.subarray(i, i + 4); i += 4; } else { v = b.subarray(i, i + 8); i += 8; }
    if (!out.has(field)) out.set(field, []); out.get(field)!.push(v); }
  return out;
}
const str = (v: any) => new TextDecoder().decode(v);
it('dump', () => {
  const g = decode(decode(new Uint8Array(fs.readFileSync(process.env.F!))).get(7)![0] as Uint8Array);
  for (const n of g.get(1)!) { const d = decode(n as Uint8Array); console.log(str(d.get(4)![0]), (d.get(1) ?? []).map(str).join(','), '->', (d.get(2) ?? []).map(str).join(',')); }
  console.log((g.get(5) ?? []).map((t) => { const d = decode(t as Uint8Array); return str(d.get(8)![0]) + '[' + (d.get(1) ?? []).join(',') + ']'; }).join(' '));
});
