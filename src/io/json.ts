// A strict JSON parser for headers read from untrusted files: unlike JSON.parse it rejects duplicate
// object keys (which JSON.parse silently resolves to the last one, so two readers could disagree about
// a file), bounds the nesting depth (no stack overflow on '[[[[...'), and reports the character
// position of the first error. Objects come back with a null prototype, so keys such as
// "__proto__" are ordinary data.

/** A parsed JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Thrown for malformed JSON; `message` names what was expected and where. */
export class JsonSyntaxError extends SyntaxError {}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/**
 * Parses `text` as one JSON value followed only by whitespace. Throws JsonSyntaxError on malformed
 * input, duplicate keys, or nesting deeper than `maxDepth` arrays/objects.
 */
export function parseJsonStrict(text: string, maxDepth = 64): JsonValue {
  let i = 0;
  const fail = (what: string): never => {
    const near = JSON.stringify(text.slice(i, i + 20));
    throw new JsonSyntaxError(`${what} at character ${i}${i < text.length ? ` (near ${near})` : ' (end of input)'}`);
  };
  const skipWs = () => { while (i < text.length && WS.has(text.charCodeAt(i))) i++; };

  const parseString = (): string => {
    // text[i] is the opening quote
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) { out += text.slice(start, i); i++; return out; }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) { i++; continue; }
      out += text.slice(start, i);
      const e = text[i + 1];
      if (e !== undefined && e in ESCAPES) { out += ESCAPES[e]; i += 2; }
      else if (e === 'u') {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape');
        out += String.fromCharCode(parseInt(hex, 16));
        i += 6;
      } else fail('bad escape in string');
      start = i;
    }
  };

  const parseValue = (depth: number): JsonValue => {
    skipWs();
    if (i >= text.length) fail('expected a value');
    const c = text[i];
    if (c === '{' || c === '[') {
      if (depth >= maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      i++;
      skipWs();
      if (c === '[') {
        const arr: JsonValue[] = [];
        if (text[i] === ']') { i++; return arr; }
        for (;;) {
          arr.push(parseValue(depth + 1));
          skipWs();
          if (text[i] === ',') { i++; continue; }
          if (text[i] === ']') { i++; return arr; }
          fail("expected ',' or ']'");
        }
      }
      const obj: { [key: string]: JsonValue } = Object.create(null);
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        skipWs();
        if (text[i] !== '"') fail('expected a string key');
        const keyAt = i;
        const key = parseString();
        if (Object.prototype.hasOwnProperty.call(obj, key)) { i = keyAt; fail(`duplicate key ${JSON.stringify(key)}`); }
        skipWs();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        obj[key] = parseValue(depth + 1);
        skipWs();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail("expected ',' or '}'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) { i += 4; return true; }
    if (text.startsWith('false', i)) { i += 5; return false; }
    if (text.startsWith('null', i)) { i += 4; return null; }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (!m) return fail('expected a value');
    i += m[0].length;
    return Number(m[0]);
  };

  const v = parseValue(0);
  skipWs();
  if (i !== text.length) fail('unexpected data after the JSON value');
  return v;
}

/** True for a parsed JSON object (not an array, not null). */
export function isJsonObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
