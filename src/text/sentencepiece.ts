/**
 * Reads a sentencepiece model (spiece.model, a protobuf `ModelProto`) and builds the tokenizer.json
 * that transformers' T5TokenizerFast would convert it to. Only the fields the conversion needs are
 * decoded; the rest are skipped by wire type.
 *
 *   ModelProto     { repeated SentencePiece pieces = 1; TrainerSpec trainer_spec = 2; NormalizerSpec normalizer_spec = 3; }
 *   SentencePiece  { string piece = 1; float score = 2; Type type = 3; }   // NORMAL 1, UNKNOWN 2, CONTROL 3, USER_DEFINED 4, UNUSED 5, BYTE 6
 *   TrainerSpec    { ModelType model_type = 3; bool byte_fallback = 35; int32 unk_id = 40; }   // UNIGRAM 1, BPE 2
 *   NormalizerSpec { bytes precompiled_charsmap = 2; }
 */
import { addedToken, t5TokenizerJson, type AddedTokenJson, type TokenizerJson } from "./tokenizer-json.js";
import type { TokenizerConfigInfo } from "./tokenizer-config.js";
import { TokenizerFormatError } from "./errors.js";

export interface SentencePiece {
  readonly piece: string;
  readonly score: number;
  readonly type: number;
}

export interface SentencePieceModel {
  readonly pieces: readonly SentencePiece[];
  /** 1 = Unigram (the default), 2 = BPE, 3 = word, 4 = char. */
  readonly modelType: number;
  readonly unkId: number;
  readonly byteFallback: boolean;
  readonly precompiledCharsmap?: Uint8Array;
}

const SP_CONTROL = 3;
const SP_USER_DEFINED = 4;

/** A forward-only protobuf reader over one message's bytes. */
class Reader {
  pos = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly file: string,
  ) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  private fail(what: string): never {
    throw new TokenizerFormatError(this.file, `is not a sentencepiece model (${what} at byte ${this.pos}): re-download it`);
  }

  varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail("truncated varint");
      const b = this.bytes[this.pos++] as number;
      if (scale < 2 ** 53) result += (b & 0x7f) * scale;
      scale *= 128;
      if ((b & 0x80) === 0) return result;
    }
    return this.fail("varint longer than 10 bytes");
  }

  /** An int32 field: negative values arrive as 10-byte two's complement varints. */
  int32(): number {
    let v = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.bytes.length) this.fail("truncated varint");
      const b = this.bytes[this.pos++] as number;
      v |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return Number(BigInt.asIntN(32, v));
    }
    return this.fail("varint longer than 10 bytes");
  }

  lengthDelimited(): Uint8Array {
    const n = this.varint();
    if (this.pos + n > this.bytes.length) this.fail("field longer than the file");
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  float32(): number {
    if (this.pos + 4 > this.bytes.length) this.fail("truncated float");
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getFloat32(0, true);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.lengthDelimited();
    else if (wire === 5) this.pos += 4;
    else this.fail(`unsupported wire type ${wire}`);
    if (this.pos > this.bytes.length) this.fail("truncated field");
  }

  /** Calls `on(field, wire)` for each field; `on` reads the value or returns false to skip it. */
  fields(on: (field: number, wire: number) => boolean): void {
    while (!this.done) {
      const key = this.varint();
      const field = Math.floor(key / 8);
      const wire = key % 8;
      if (!on(field, wire)) this.skip(wire);
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function readPiece(bytes: Uint8Array, file: string): SentencePiece {
  const r = new Reader(bytes, file);
  let piece = "";
  let score = 0;
  let type = 1;
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) piece = utf8.decode(r.lengthDelimited());
    else if (field === 2 && wire === 5) score = r.float32();
    else if (field === 3 && wire === 0) type = r.varint();
    else return false;
    return true;
  });
  return { piece, score, type };
}

/** Decodes spiece.model bytes. `file` names the file in error messages. */
export function readSentencePieceModel(bytes: Uint8Array, file: string): SentencePieceModel {
  const pieces: SentencePiece[] = [];
  let modelType = 1;
  let unkId = 0;
  let byteFallback = false;
  let precompiledCharsmap: Uint8Array | undefined;
  const r = new Reader(bytes, file);
  r.fields((field, wire) => {
    if (field === 1 && wire === 2) pieces.push(readPiece(r.lengthDelimited(), file));
    else if (field === 2 && wire === 2) {
      const t = new Reader(r.lengthDelimited(), file);
      t.fields((f, w) => {
        if (f === 3 && w === 0) modelType = t.varint();
        else if (f === 35 && w === 0) byteFallback = t.varint() !== 0;
        else if (f === 40 && w === 0) unkId = t.int32();
        else return false;
        return true;
      });
    } else if (field === 3 && wire === 2) {
      const n = new Reader(r.lengthDelimited(), file);
      n.fields((f, w) => {
        if (f === 2 && w === 2) precompiledCharsmap = n.lengthDelimited();
        else return false;
        return true;
      });
    } else return false;
    return true;
  });
  if (pieces.length === 0) throw new TokenizerFormatError(file, "holds no pieces: is this really spiece.model?");
  return { pieces, modelType, unkId, byteFallback, ...(precompiledCharsmap ? { precompiledCharsmap } : {}) };
}

/**
 * T5TokenizerFast's tokenizer.json for a sentencepiece model: the pieces, then `<extra_id_{n-1}>` ..
 * `<extra_id_0>` (n = `extra_ids`, 100 by default as in T5Tokenizer), Metaspace with the legacy
 * prefix rule, and `$A </s>` as the template.
 */
export function t5JsonFromSentencePiece(model: SentencePieceModel, config: TokenizerConfigInfo, file: string): TokenizerJson {
  if (model.modelType !== 1) {
    throw new TokenizerFormatError(
      file,
      `is a sentencepiece model of type ${model.modelType === 2 ? "BPE" : model.modelType}, but T5 uses Unigram (type 1): supply the folder's tokenizer.json instead`,
    );
  }
  if (model.unkId < 0 || model.unkId >= model.pieces.length) {
    throw new TokenizerFormatError(file, `its unknown-token id ${model.unkId} is outside the ${model.pieces.length} pieces`);
  }
  const pieces: [string, number][] = model.pieces.map((p) => [p.piece, p.score]);
  const index = new Map<string, number>();
  pieces.forEach(([p], i) => index.set(p, i));
  const extraIds = config.extraIds ?? 100;
  for (let i = extraIds - 1; i >= 0; i--) pieces.push([`<extra_id_${i}>`, 0]);

  const eos = config.eos ?? "</s>";
  const eosId = index.get(eos);
  if (eosId === undefined) throw new TokenizerFormatError(file, `the EOS token ${JSON.stringify(eos)} is not one of its pieces`);

  const added = new Map<number, AddedTokenJson>();
  model.pieces.forEach((p, id) => {
    if (p.type === SP_CONTROL || p.type === SP_USER_DEFINED) added.set(id, addedToken(id, p.piece, false, p.type === SP_CONTROL));
  });
  for (const name of [config.pad, eos, config.unk ?? model.pieces[model.unkId]?.piece]) {
    const id = name === undefined ? undefined : index.get(name);
    if (id !== undefined && name !== undefined) added.set(id, addedToken(id, name, false));
  }
  for (let id = model.pieces.length; id < pieces.length; id++) added.set(id, addedToken(id, (pieces[id] as [string, number])[0], false));

  const prefix = config.addPrefixSpace ?? true;
  const prependScheme = !prefix ? "never" : config.legacy === false ? "first" : "always";
  const charsmap = model.precompiledCharsmap;
  return t5TokenizerJson({
    pieces,
    unkId: model.unkId,
    eos,
    eosId,
    addedTokens: [...added.values()].sort((a, b) => a.id - b.id),
    ...(charsmap && charsmap.length > 0 ? { precompiledCharsmap: Buffer.from(charsmap).toString("base64") } : {}),
    prependScheme,
    byteFallback: false,
  });
}
