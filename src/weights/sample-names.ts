/** A short list of a source's tensor names, for "what does this file hold" hints in error messages. */
export function sampleNames(names: readonly string[], count = 4): string {
  if (names.length === 0) return "it has no tensors";
  return `it has ${names.length} tensors, e.g. ${names.slice(0, count).join(", ")}`;
}
