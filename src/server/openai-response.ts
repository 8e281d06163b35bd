/**
 * Finished jobs as OpenAI's images response, `{ created, data: [{ b64_json | url, revised_prompt }],
 * usage, ... }`, or, when one did not finish done, the error it answers with. `revised_prompt` is
 * the in-context prompt ICEdit built from the instruction; `usage` counts FLUX image tokens (one per
 * 16x16 pixels): the source halves as input, the edited halves as output. Text is not counted.
 */
import { decodeImage, encodeImage, type OutputFormat } from "../image/index.js";
import type { DataDir } from "./data-dir.js";
import { ApiError } from "./errors.js";
import type { JobRow } from "./job.js";
import { jobUrl } from "./job-view.js";
import type { ResponseFormat } from "./openai-request.js";
import { readCheckedResult } from "./result-file.js";

export interface OpenAiImage {
  readonly b64_json?: string;
  readonly url?: string;
  readonly revised_prompt: string | null;
}

export interface OpenAiImagesResponse {
  readonly created: number;
  readonly data: readonly OpenAiImage[];
  readonly output_format: OutputFormat;
  readonly size: string | null;
  readonly background: "opaque";
  readonly usage: {
    readonly input_tokens: number;
    readonly output_tokens: number;
    readonly total_tokens: number;
    readonly input_tokens_details: { readonly image_tokens: number; readonly text_tokens: number };
  };
}

export interface ResponseOptions {
  readonly responseFormat: ResponseFormat;
  readonly outputFormat: OutputFormat;
  readonly quality?: number;
  /** http://host:port of this server, as the client reached it (for url). */
  readonly origin: string;
}

/** The fields of an edit record that the response reads (the record is the library's EditRecord). */
interface RecordView {
  readonly prompt: string | null;
  readonly output: { readonly width: number; readonly height: number } | null;
  readonly imageTokens: number;
}

function recordView(record: unknown): RecordView {
  const r = (typeof record === "object" && record !== null ? record : {}) as Record<string, unknown>;
  const output = r["output"] as { width?: unknown; height?: unknown } | undefined;
  const fill = r["fill"] as { imageTokens?: unknown } | undefined;
  return {
    prompt: typeof r["prompt"] === "string" ? r["prompt"] : null,
    output: typeof output?.width === "number" && typeof output.height === "number" ? { width: output.width, height: output.height } : null,
    imageTokens: typeof fill?.imageTokens === "number" ? fill.imageTokens : 0,
  };
}

/** Job error codes that are the request's fault, with the status POST /v1/edits gives the same problem. */
const CLIENT_FAULTS: Readonly<Record<string, number>> = {
  invalid_parameter: 400,
  corrupt_image: 400,
  empty_image: 400,
  too_many_pixels: 413,
  upload_too_large: 413,
  unsupported_image: 415,
  no_judge: 501,
  insufficient_storage: 507,
};

/** The error a job that did not finish done answers with (undefined: it is done). */
export function jobFailure(job: JobRow): ApiError | undefined {
  if (job.status === "done") return undefined;
  if (job.status === "cancelled") {
    return new ApiError(
      409,
      "cancelled",
      `edit ${job.id} was cancelled (DELETE ${jobUrl(job.id)}) before it was done; send the request again`,
    );
  }
  if (job.status !== "failed") return new ApiError(500, "not_finished", `edit ${job.id} is still ${job.status}`);
  const code = job.error?.code ?? "internal";
  const message = `edit ${job.id} failed: ${job.error?.message ?? "no reason was recorded"}`;
  return new ApiError(CLIENT_FAULTS[code] ?? 500, code, message);
}

async function imageOf(job: JobRow, dir: DataDir, options: ResponseOptions): Promise<Omit<OpenAiImage, "revised_prompt">> {
  if (options.responseFormat === "url") return { url: `${options.origin}${jobUrl(job.id)}/image` };
  const png = await readCheckedResult(dir.resultPath(job.id), job.result);
  if (options.outputFormat === "png") return { b64_json: png.toString("base64") };
  const pixels = await decodeImage(new Uint8Array(png.buffer, png.byteOffset, png.byteLength), { name: `the result of ${job.id}` });
  const encoded = await encodeImage(pixels, options.outputFormat, options.quality === undefined ? {} : { quality: options.quality });
  return { b64_json: Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength).toString("base64") };
}

/** The response for jobs that are all done (in the order of `jobs`). */
export async function openAiImagesResponse(jobs: readonly JobRow[], dir: DataDir, options: ResponseOptions): Promise<OpenAiImagesResponse> {
  const data: OpenAiImage[] = [];
  let imageTokens = 0;
  let size: string | null = null;
  for (const job of jobs) {
    const record = recordView(job.record);
    data.push({ ...(await imageOf(job, dir, options)), revised_prompt: record.prompt });
    imageTokens += record.imageTokens;
    if (record.output) size = `${record.output.width}x${record.output.height}`;
  }
  const half = Math.floor(imageTokens / 2); // the diptych: the source on the left, the edit on the right
  return {
    created: Math.floor((jobs[0]?.createdAt ?? Date.now()) / 1000),
    data,
    output_format: options.outputFormat,
    size,
    background: "opaque",
    usage: {
      input_tokens: half,
      output_tokens: imageTokens - half,
      total_tokens: imageTokens,
      input_tokens_details: { image_tokens: half, text_tokens: 0 },
    },
  };
}
