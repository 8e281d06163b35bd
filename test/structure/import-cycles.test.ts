/** No file of src/ imports itself through others (type-only imports count too: they tie the files' designs). */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { dirname, relative, resolve } from "node:path";
import { importsOf, SRC, sourceFiles } from "./sources.js";

/** file -> the src files it imports (".js" specifiers name the ".ts" sources). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const relativeImports = importsOf(file).filter((s) => s.startsWith("."));
    graph.set(
      file,
      relativeImports.map((s) => resolve(dirname(file), s.replace(/\.js$/, ".ts"))),
    );
  }
  return graph;
}

/** One cycle per strongly connected group of files, as a readable chain; none when the graph is acyclic. */
function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const found: string[] = [];
  const visit = (file: string): void => {
    state.set(file, "open");
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === "open") found.push([...stack.slice(stack.indexOf(next)), next].map((f) => relative(SRC, f)).join(" -> "));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  return found;
}

describe("src imports", () => {
  it("finds a cycle when there is one (the check itself)", () => {
    const graph = new Map([
      ["/a.ts", ["/b.ts"]],
      ["/b.ts", ["/a.ts"]],
    ]);
    assert.equal(cycles(graph).length, 1);
  });

  it("have no cycles between files", () => {
    const graph = importGraph();
    assert.ok(graph.size > 100, `read ${graph.size} files from ${SRC}`);
    assert.deepEqual(cycles(graph), []);
  });
});
