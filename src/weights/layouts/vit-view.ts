/**
 * The two key layouts of a Hugging Face ViTModel, read as one: the classic names that
 * facebook/dino-vits16's checkpoint has (encoder.layer.{i}.attention.attention.query.weight, ...)
 * and the names of newer transformers' ViT (layers.{i}.attention.q_proj.weight, ...). A file in
 * the newer layout is seen under the classic names; other names are kept as they are.
 */
import type { TensorSource } from "../source.js";

/** [classic, newer] module paths of one encoder layer ({i}: the layer index). */
const LAYER_TABLE: readonly (readonly [string, string])[] = [
  ["encoder.layer.{i}.attention.attention.query", "layers.{i}.attention.q_proj"],
  ["encoder.layer.{i}.attention.attention.key", "layers.{i}.attention.k_proj"],
  ["encoder.layer.{i}.attention.attention.value", "layers.{i}.attention.v_proj"],
  ["encoder.layer.{i}.attention.output.dense", "layers.{i}.attention.o_proj"],
  ["encoder.layer.{i}.intermediate.dense", "layers.{i}.mlp.fc1"],
  ["encoder.layer.{i}.output.dense", "layers.{i}.mlp.fc2"],
  ["encoder.layer.{i}.layernorm_before", "layers.{i}.layernorm_before"],
  ["encoder.layer.{i}.layernorm_after", "layers.{i}.layernorm_after"],
];

const NEWER = LAYER_TABLE.map(([classic, newer]) => ({
  classic,
  pattern: new RegExp(`^${newer.replace(/\./g, "\\.").replace("{i}", "(\\d+)")}\\.(weight|bias)$`),
}));

/** The classic name of a stored name (itself when no row matches). */
export function classicVitName(stored: string): string {
  for (const row of NEWER) {
    const m = row.pattern.exec(stored);
    if (m) return `${row.classic.replace("{i}", m[1] as string)}.${m[2] as string}`;
  }
  return stored;
}

/** `source` under the classic ViT names (unchanged when it already uses them). */
export function classicVitView(source: TensorSource): TensorSource {
  const stored = new Map<string, string>();
  for (const name of source.names()) stored.set(classicVitName(name), name);
  if ([...stored].every(([classic, name]) => classic === name)) return source;
  const storedName = (name: string): string => stored.get(name) ?? name;
  return {
    description: source.description,
    names: () => [...stored.keys()],
    has: (name) => stored.has(name),
    entry: (name) => ({ ...source.entry(storedName(name)), name }),
    read: async (name) => source.read(storedName(name)),
    readF32: async (name) => source.readF32(storedName(name)),
    metadata: () => source.metadata(),
    close: () => source.close(),
  };
}
