/** Range checks of optimizer hyper-parameters, with torch's rules and a message that names the setting. */
import { HyperParameterError } from "./errors.js";

export type Rule = "> 0" | ">= 0" | "in [0, 1)" | "integer >= 1" | ">= 1";

const holds: Readonly<Record<Rule, (v: number) => boolean>> = {
  "> 0": (v) => v > 0,
  ">= 0": (v) => v >= 0,
  "in [0, 1)": (v) => v >= 0 && v < 1,
  "integer >= 1": (v) => Number.isInteger(v) && v >= 1,
  ">= 1": (v) => v >= 1,
};

/** `growthRate` may be Infinity (unbounded); every other setting must be a finite number. */
export function checkSetting(optimizer: string, name: string, value: unknown, rule: Rule, allowInfinity = false): void {
  const finiteOk = typeof value === "number" && (Number.isFinite(value) || (allowInfinity && value === Infinity));
  if (!finiteOk || !holds[rule](value)) {
    throw new HyperParameterError(`${optimizer} ${name} must be a number ${rule}, got ${String(value)}: fix the optimizer settings`);
  }
}

export function checkBetas(optimizer: string, betas: unknown): void {
  if (!Array.isArray(betas) || betas.length !== 2) {
    throw new HyperParameterError(
      `${optimizer} betas must be two numbers [beta1, beta2], got ${JSON.stringify(betas)}: fix the optimizer settings`,
    );
  }
  checkSetting(optimizer, "betas[0]", betas[0], "in [0, 1)");
  checkSetting(optimizer, "betas[1]", betas[1], "in [0, 1)");
}

export function checkFlag(optimizer: string, name: string, value: unknown): void {
  if (typeof value !== "boolean") {
    throw new HyperParameterError(`${optimizer} ${name} must be true or false, got ${String(value)}: fix the optimizer settings`);
  }
}
