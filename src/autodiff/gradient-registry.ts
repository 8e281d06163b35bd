/** Gradient rules by op (domain + op type), the same keys as the op registry (onnx/op-schema.ts). */
import type { Node } from "../onnx/graph.js";
import { type GradientRule, NotDifferentiableError } from "./gradient-rule.js";

export interface GradientEntry {
  /** "" for the ONNX domain, "com.microsoft" for ONNX Runtime's contrib ops. */
  readonly domain: string;
  readonly opType: string;
  readonly rule: GradientRule;
}

function keyOf(domain: string, opType: string): string {
  return `${domain}::${opType}`;
}

export class GradientRegistry {
  private readonly rules = new Map<string, GradientEntry>();

  constructor(entries: Iterable<GradientEntry> = []) {
    for (const e of entries) {
      const key = keyOf(e.domain, e.opType);
      if (this.rules.has(key)) throw new NotDifferentiableError(`the gradient of ${e.opType} is registered twice`);
      this.rules.set(key, e);
    }
  }

  has(domain: string, opType: string): boolean {
    return this.rules.has(keyOf(domain, opType));
  }

  /** The rule of `node`'s op; refuses an op that has none, naming it and the node. */
  ruleFor(node: Node): GradientRule {
    const entry = this.rules.get(keyOf(node.domain, node.opType));
    if (!entry) {
      const op = node.domain ? `${node.domain}.${node.opType}` : node.opType;
      throw new NotDifferentiableError(
        `op ${op} (node ${node.name}) has no gradient rule: add one to src/autodiff/rules/ (and GRADIENTS in rules/index.ts)`,
      );
    }
    return entry.rule;
  }

  list(): GradientEntry[] {
    return [...this.rules.values()];
  }
}

/** Entries from a table opType -> rule, all of one domain. */
export function gradientEntries(rules: Readonly<Record<string, GradientRule>>, domain = ""): GradientEntry[] {
  return Object.entries(rules).map(([opType, rule]) => ({ domain, opType, rule }));
}
