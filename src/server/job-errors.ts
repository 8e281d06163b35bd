/** Why a job failed, as the { code, message } stored with it and shown to its client. */
import { IceditError, InvalidArgumentError } from "../errors.js";
import { NonFiniteLatentError } from "../index.js";
import { imageApiError, storageFullCode } from "./errors.js";
import { NoJudgeError } from "./run-edit.js";
import { JudgeError } from "../vlm/errors.js";
import type { JobError } from "./job.js";

export function jobError(error: unknown): JobError {
  const image = imageApiError(error);
  if (image) return { code: image.code, message: image.message };
  const full = storageFullCode(error);
  if (full !== undefined) {
    return {
      code: "insufficient_storage",
      message: `the server's disk is full (${full}): the result could not be stored; submit the edit again later`,
    };
  }
  if (error instanceof NoJudgeError) return { code: "no_judge", message: error.message };
  if (error instanceof JudgeError) return { code: "judge_failed", message: `the judge failed: ${error.message}` };
  if (error instanceof NonFiniteLatentError) return { code: "non_finite", message: error.message };
  if (error instanceof InvalidArgumentError) return { code: "invalid_parameter", message: error.message };
  if (error instanceof IceditError) return { code: "edit_failed", message: error.message };
  const message = error instanceof Error ? error.message : String(error);
  return { code: "internal", message: `the edit failed unexpectedly: ${message}` };
}
