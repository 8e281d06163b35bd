/** A weights file that can be opened again (a lazily loaded component re-reads it after an eviction). */
import type { TensorSource } from "./source.js";

export type SourceOpener = () => Promise<TensorSource>;

/** Opens the source, hands it to `use`, and closes it whatever happens. */
export async function withOpened<T>(open: SourceOpener, use: (source: TensorSource) => Promise<T>): Promise<T> {
  const source = await open();
  try {
    return await use(source);
  } finally {
    await source.close();
  }
}
