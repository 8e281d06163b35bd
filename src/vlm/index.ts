/** Judges for ICEdit's noise selection: the interface, the HTTP clients, the prompt and the answer parser. */
export type { Judge, JudgeRequest, JudgeVerdict, JudgeIdentity, JudgeFunction } from "./judge.js";
export {
  createJudge,
  judgeFromFunction,
  judgeApiKey,
  DEFAULT_JUDGE_URLS,
  DEFAULT_JUDGE_TIMEOUT_MS,
  JUDGE_KINDS,
  type JudgeConfig,
  type JudgeKind,
} from "./create.js";
export { OpenAiJudge, DEFAULT_PROBE_TIMEOUT_MS, type HttpJudgeOptions } from "./openai.js";
export { OllamaJudge } from "./ollama.js";
export { pairwisePrompt, STRICT_REMINDER } from "./prompt.js";
export { parseChoice } from "./parse.js";
export { DEFAULT_HTTP, type HttpSettings } from "./http.js";
export * from "./errors.js";
