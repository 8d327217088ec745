// A minimal protocol-buffers encoder (wire format only: varints, 64/32-bit fixed, length-delimited),
// enough to write TensorBoard's Event/Summary messages without a protobuf dependency. Field numbers
// and types are given by the caller (see tensorboard.ts for the message layouts).

const enum Wire { Varint = 0, Fixed64 = 1, Bytes = 2, Fixed32 = 5 }

const utf8 = new TextEncoder();

/** Builds one message; nested messages are built with their own writer and added with `message`. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private readonly dv = new DataView(new ArrayBuffer(8));

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private byte(b: number): void {
    this.reserve(1);
    this.buf[this.len++] = b;
  }

  private raw(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  /** An unsigned varint; negative int64 values are written as their 64-bit two's complement (10 bytes). */
  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v));
    while (x >= 0x80n) {
      this.byte(Number(x & 0x7fn) | 0x80);
      x >>= 7n;
    }
    this.byte(Number(x));
  }

  private key(field: number, wire: Wire): void { this.varint((field << 3) | wire); }

  /** int64/uint64/int32/enum/bool field (int32 negatives take 10 bytes, as protobuf specifies). */
  int(field: number, v: number | bigint): this {
    if (typeof v === 'number' && !Number.isSafeInteger(v)) throw new RangeError(`protobuf: field ${field} needs an integer, got ${v}`);
    this.key(field, Wire.Varint);
    this.varint(v);
    return this;
  }

  double(field: number, v: number): this {
    this.key(field, Wire.Fixed64);
    this.dv.setFloat64(0, v, true);
    this.raw(new Uint8Array(this.dv.buffer, 0, 8));
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, Wire.Fixed32);
    this.dv.setFloat32(0, v, true);
    this.raw(new Uint8Array(this.dv.buffer, 0, 4));
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, Wire.Bytes);
    this.varint(b.length);
    this.raw(b);
    return this;
  }

  string(field: number, s: string): this { return this.bytes(field, utf8.encode(s)); }

  message(field: number, m: ProtoWriter): this { return this.bytes(field, m.finish()); }

  /** A packed repeated double field. */
  packedDoubles(field: number, values: ArrayLike<number>): this {
    const b = new Uint8Array(values.length * 8);
    const dv = new DataView(b.buffer);
    for (let i = 0; i < values.length; i++) dv.setFloat64(i * 8, values[i], true);
    return this.bytes(field, b);
  }

  /** The encoded message (a copy). */
  finish(): Uint8Array { return this.buf.slice(0, this.len); }
}
