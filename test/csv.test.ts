// CSV reader: quoting (RFC 4180), line endings, header/columns/categorical options, missing values,
// files vs strings, and clear errors for ragged rows, bad quotes and non-numeric cells.
import { describe, it, expect } from 'vitest';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nr from '../src/index';

const { readCsv, parseCsv } = nr.data;

describe('parsing', () => {
  it('reads a header and numeric rows into a float32 tensor', () => {
    const r = readCsv('a,b,c\n1,2,3\n4.5,-6,1e2\n');
    expect(r.columns).toEqual(['a', 'b', 'c']);
    expect(r.data.dtype).toBe('float32');
    expect(r.data.toArray()).toEqual([[1, 2, 3], [4.5, -6, 100]]);
  });
  it('handles quotes, escaped quotes, delimiters and newlines inside quotes, CRLF and a BOM', () => {
    const text = '\ufeff"x, first","say ""hi""\nthere",z\r\n"1",2,"3"\r\n\r\n4,"5",6';
    const r = parseCsv(text, { categorical: [1] });
    expect(r.columns).toEqual(['x, first', 'say "hi"\nthere', 'z']);
    expect(r.data.toArray()).toEqual([[1, 0, 3], [4, 1, 6]]);
    expect(r.categories['say "hi"\nthere']).toEqual(['2', '5']);
  });
  it('header: false names columns by index; columns selects and reorders', () => {
    const r = parseCsv('1;2;3\n4;5;6\n', { header: false, delimiter: ';', columns: [2, 0], dtype: 'float64' });
    expect(r.columns).toEqual(['2', '0']);
    expect(r.data.dtype).toBe('float64');
    expect(r.data.toArray()).toEqual([[3, 1], [6, 4]]);
    expect(parseCsv('a,b\n1,2\n', { columns: ['b'] }).data.toArray()).toEqual([[2]]);
  });
  it('encodes categorical columns in order of first appearance', () => {
    const r = parseCsv('len,species\n1.5,setosa\n2.5,virginica\n1.0,setosa\n3,versicolor\n', { categorical: ['species'] });
    expect(r.data.toArray()).toEqual([[1.5, 0], [2.5, 1], [1, 0], [3, 2]]);
    expect(r.categories).toEqual({ species: ['setosa', 'virginica', 'versicolor'] });
  });
  it('missing cells, NA markers, infinities, signs and whitespace', () => {
    const r = parseCsv('a,b,c\n,NA, 7 \ninf,-Infinity,+.5\n', {});
    const v = r.data.toFlatArray();
    expect(Number.isNaN(v[0]) && Number.isNaN(v[1])).toBe(true);
    expect(v.slice(2)).toEqual([7, Infinity, -Infinity, 0.5]);
    expect(parseCsv('a\n1\n\n2\n').data.toArray()).toEqual([[1], [2]]);
    expect(parseCsv('a,b\n1,\n').data.toFlatArray()[0]).toBe(1);
  });
  it('an empty input or a header alone gives an empty tensor', () => {
    expect(parseCsv('').data.shape).toEqual([0, 0]);
    const r = parseCsv('a,b\n');
    expect(r.columns).toEqual(['a', 'b']);
    expect(r.data.shape).toEqual([0, 2]);
  });
  it('reads files and Buffers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-csv-'));
    const f = path.join(dir, 't.csv');
    fs.writeFileSync(f, 'x,y\n1,2\n3,4');
    expect(readCsv(f).data.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(readCsv(fs.readFileSync(f)).data.toArray()).toEqual([[1, 2], [3, 4]]);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('errors', () => {
  it('ragged rows name the line and the expected width', () => {
    expect(() => parseCsv('a,b,c\n1,2,3\n4,5\n')).toThrow(/line 3 has 2 fields, expected 3 \(columns: a, b, c\)/);
    expect(() => parseCsv('1,2\n3,4,5\n', { header: false })).toThrow(/line 2 has 3 fields, expected 2/);
    expect(() => parseCsv('a,"b\nc"\n1,2\n3\n')).toThrow(/line 4 has 1 fields/);
  });
  it('non-numeric cells name the value, line and column', () => {
    expect(() => parseCsv('a,b\n1,2\n3,abc\n')).toThrow(/cannot parse "abc" as a number on line 3, column 'b'/);
    expect(() => parseCsv('a\n0x10\n')).toThrow(/cannot parse "0x10"/);
    expect(() => parseCsv('a\n1.5.2\n')).toThrow(/cannot parse/);
  });
  it('bad quoting, delimiters, columns and sources', () => {
    expect(() => parseCsv('a,b\n"1,2\n')).toThrow(/unterminated quoted field starting on line 2/);
    expect(() => parseCsv('a,b\n"1"x,2\n')).toThrow(/unexpected character "x" after a closing quote on line 2/);
    expect(() => parseCsv('a\n1\n', { delimiter: ',,' })).toThrow(/single character/);
    expect(() => parseCsv('a\n1\n', { columns: ['z'] })).toThrow(/unknown column 'z' \(columns: a\)/);
    expect(() => parseCsv('a\n1\n', { columns: [3] })).toThrow(/index 3 is out of range/);
    expect(() => parseCsv('a\n1\n', { dtype: 'int32' as any })).toThrow(/dtype/);
    expect(() => readCsv('/nonexistent/file.csv')).toThrow(/cannot read \/nonexistent\/file.csv/);
    expect(() => readCsv(42 as any)).toThrow(/file path, CSV text or a Buffer/);
  });
});
