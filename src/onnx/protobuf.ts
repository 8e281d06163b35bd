/**
 * A minimal protocol-buffers encoder: enough wire format to write ONNX ModelProto.
 * Messages are lists of byte pieces, so large raw tensors are referenced, not copied, until the
 * final concatenation (or streaming to a file).
 */
const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

export class ProtoMessage {
  readonly pieces: Uint8Array[] = [];
  byteLength = 0;
  private scratch: number[] = [];

  private flush(): void {
    if (this.scratch.length === 0) return;
    this.pieces.push(Uint8Array.from(this.scratch));
    this.scratch = [];
  }

  private pushByte(b: number): void {
    this.scratch.push(b);
    this.byteLength += 1;
  }

  private pushVarint(value: number | bigint): void {
    if (typeof value === "number" && value >= 0 && Number.isSafeInteger(value)) {
      let v = value;
      while (v >= 0x80) {
        this.pushByte((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      this.pushByte(v);
      return;
    }
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.pushByte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pushByte(Number(v));
  }

  private tag(field: number, wire: number): void {
    this.pushVarint(field * 8 + wire);
  }

  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.pushVarint(value);
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(new Float32Array([value]).buffer);
    for (const b of bytes) this.pushByte(b);
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    const bytes = new Uint8Array(new Float64Array([value]).buffer);
    for (const b of bytes) this.pushByte(b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.tag(field, WIRE_BYTES);
    this.pushVarint(data.byteLength);
    this.flush();
    if (data.byteLength > 0) this.pieces.push(data);
    this.byteLength += data.byteLength;
    return this;
  }

  string(field: number, text: string): this {
    return this.bytes(field, new TextEncoder().encode(text));
  }

  message(field: number, child: ProtoMessage): this {
    this.tag(field, WIRE_BYTES);
    this.pushVarint(child.byteLength);
    this.flush();
    for (const piece of child.finish()) this.pieces.push(piece);
    this.byteLength += child.byteLength;
    return this;
  }

  /** The encoded pieces, in order. */
  finish(): Uint8Array[] {
    this.flush();
    return this.pieces;
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    let at = 0;
    for (const piece of this.finish()) {
      out.set(piece, at);
      at += piece.byteLength;
    }
    return out;
  }
}
