// CSV reader (RFC 4180): quoted fields with "" escapes, delimiters and newlines inside quotes, CRLF,
// a UTF-8 BOM; numeric cells into a (rows, columns) tensor, optional label-encoded text columns.
// Ragged rows, bad quoting and non-numeric cells are errors that name the line and the column.
import * as fs from 'fs';
import { Tensor } from '../tensor';
import { fromArray } from '../creation';

export interface CsvOptions {
  /** First row holds the column names (default true); otherwise columns are named '0', '1', ... */
  header?: boolean;
  /** Field separator, one character (default ','). */
  delimiter?: string;
  /** Columns to keep, by name or index, in this order (default: all). */
  columns?: (string | number)[];
  /** Tensor dtype (default float32). */
  dtype?: 'float32' | 'float64';
  /** Text columns to encode as integer codes (in order of first appearance); their labels come back in `categories`. */
  categorical?: (string | number)[];
  /** Cells that mean "missing" and become NaN (default ['', 'NA', 'N/A', 'NaN', 'nan', 'null']). */
  naValues?: string[];
}

export interface CsvResult {
  /** Names of the columns of `data`, in order. */
  columns: string[];
  /** (rows, columns) values. */
  data: Tensor;
  /** For each categorical column, the label of each code. */
  categories: Record<string, string[]>;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|inf|infinity)$/i;

interface Record_ { fields: string[]; line: number; }

/** Splits CSV text into records (arrays of raw field strings) with the line each starts on. */
export function parseCsvRecords(text: string, delimiter = ','): Record_[] {
  if (typeof delimiter !== 'string' || delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new RangeError(`readCsv: delimiter must be a single character other than a quote or newline, got ${JSON.stringify(delimiter)}`);
  }
  const out: Record_[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let field = '';
    let endOfRecord = false;
    while (!endOfRecord) {
      if (text[i] === '"') {
        // quoted field
        i++;
        for (;;) {
          if (i >= n) throw new Error(`readCsv: unterminated quoted field starting on line ${start}`);
          const c = text[i];
          if (c === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        const c = text[i];
        if (i < n && c !== delimiter && c !== '\n' && c !== '\r') {
          throw new Error(`readCsv: unexpected character ${JSON.stringify(c)} after a closing quote on line ${line}`);
        }
      } else {
        let j = i;
        while (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      field = '';
      if (i >= n) { endOfRecord = true; break; }
      const c = text[i];
      if (c === delimiter) { i++; if (i >= n) fields.push(''); if (i >= n) endOfRecord = true; continue; }
      // newline: \n, \r\n or \r
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      endOfRecord = true;
    }
    // a blank line is one empty field: skip it
    if (!(fields.length === 1 && fields[0] === '')) out.push({ fields, line: start });
  }
  return out;
}

function loadText(source: string | Buffer): string {
  if (Buffer.isBuffer(source)) return source.toString('utf8');
  if (typeof source !== 'string') throw new TypeError(`readCsv: expected a file path, CSV text or a Buffer, got ${typeof source}`);
  if (/[\r\n]/.test(source)) return source;
  try {
    return fs.readFileSync(source, 'utf8');
  } catch (e) {
    throw new Error(`readCsv: cannot read ${source}: ${(e as Error).message} (a CSV string must contain a newline)`);
  }
}

/**
 * Reads CSV into a tensor. `source` is a file path, CSV text (any string containing a newline) or a
 * Buffer. Numeric cells are parsed strictly (no hex, no trailing junk); missing cells become NaN.
 */
export function readCsv(source: string | Buffer, o: CsvOptions = {}): CsvResult {
  return parseCsv(loadText(source), o);
}

/** Parses CSV text (see readCsv). */
export function parseCsv(text: string, o: CsvOptions = {}): CsvResult {
  if (typeof text !== 'string') throw new TypeError(`parseCsv: expected a string, got ${typeof text}`);
  const header = o.header ?? true;
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') throw new TypeError(`readCsv: dtype must be float32 or float64, got ${String(dtype)}`);
  const na = new Set(o.naValues ?? ['', 'NA', 'N/A', 'NaN', 'nan', 'null']);
  const records = parseCsvRecords(text, o.delimiter ?? ',');
  if (records.length === 0) {
    if (o.columns?.length) throw new RangeError('readCsv: the CSV is empty, so the requested columns do not exist');
    return { columns: [], data: fromArray([], [0, 0], { dtype }), categories: {} };
  }
  const width = records[0].fields.length;
  const names = header ? records[0].fields.map((s) => s.trim()) : Array.from({ length: width }, (_, i) => String(i));
  const body = header ? records.slice(1) : records;
  for (const r of body) {
    if (r.fields.length !== width) {
      throw new RangeError(`readCsv: line ${r.line} has ${r.fields.length} fields, expected ${width}${header ? ` (columns: ${names.join(', ')})` : ' (as on the first row)'}`);
    }
  }
  const resolve = (c: string | number, what: string): number => {
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= width) throw new RangeError(`readCsv: ${what} index ${c} is out of range (the CSV has ${width} columns)`);
      return c;
    }
    const k = names.indexOf(c);
    if (k < 0) throw new RangeError(`readCsv: unknown ${what} '${c}' (columns: ${names.join(', ')})`);
    return k;
  };
  const cols = o.columns ? o.columns.map((c) => resolve(c, 'column')) : names.map((_, i) => i);
  const cat = new Set((o.categorical ?? []).map((c) => resolve(c, 'categorical column')));
  const codes = new Map<number, Map<string, number>>();
  for (const c of cat) codes.set(c, new Map());
  const values = new Float64Array(body.length * cols.length);
  body.forEach((r, ri) => {
    cols.forEach((c, ci) => {
      const raw = r.fields[c];
      const s = raw.trim();
      let v: number;
      if (cat.has(c)) {
        const m = codes.get(c)!;
        if (na.has(s)) v = NaN;
        else {
          if (!m.has(s)) m.set(s, m.size);
          v = m.get(s)!;
        }
      } else if (na.has(s)) {
        v = NaN;
      } else if (NUMBER.test(s)) {
        v = Number(/inf/i.test(s) ? s.replace(/inf(inity)?/i, 'Infinity') : s);
      } else {
        throw new TypeError(`readCsv: cannot parse ${JSON.stringify(raw)} as a number on line ${r.line}, column '${names[c]}' ` +
          '(list text columns in the categorical option, or leave them out with columns)');
      }
      values[ri * cols.length + ci] = v;
    });
  });
  const categories: Record<string, string[]> = {};
  for (const [c, m] of codes) categories[names[c]] = Array.from(m.keys());
  return { columns: cols.map((c) => names[c]), data: fromArray(values, [body.length, cols.length], { dtype }), categories };
}
