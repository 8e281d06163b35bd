/**
 * A real HTTP judge on 127.0.0.1 (random port) for tests: it speaks both the OpenAI-compatible
 * chat-completions API (under /v1) and Ollama's native API, chooses the brighter of the two
 * candidates (deterministic, from the image content), records every request, and can be scripted
 * to fail (HTTP errors with headers, slow answers, garbage answers).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeImage } from "../../src/image/decode.js";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly json: unknown;
}

/** What the server does for the next chat request (taken in order; then it judges by brightness). */
export interface Scripted {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  /** A raw body (for errors), or the assistant's answer text when status is 2xx. */
  readonly body?: string;
  readonly answer?: string;
  readonly delayMs?: number;
}

export interface JudgeServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Behaviours for the next chat requests, taken in order. */
  readonly script: Scripted[];
  readonly models: string[];
  close(): Promise<void>;
}

export async function brightness(bytes: Uint8Array): Promise<number> {
  const image = await decodeImage(bytes);
  let sum = 0;
  for (const v of image.data) sum += v;
  return sum / image.data.length;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

type Json = Record<string, unknown>;

/** The base64 images of a chat request, in order, for either API shape. */
export function imagesOf(json: unknown): string[] {
  const messages = (json as Json)["messages"] as Json[];
  const first = messages[0] as Json;
  if (Array.isArray(first["images"])) return first["images"] as string[];
  const content = first["content"] as Json[];
  return content
    .filter((p) => p["type"] === "image_url")
    .map((p) => ((p["image_url"] as Json)["url"] as string).replace(/^data:image\/png;base64,/, ""));
}

async function brighterAnswer(json: unknown): Promise<string> {
  const [a, b] = imagesOf(json);
  const ba = await brightness(Buffer.from(a ?? "", "base64"));
  const bb = await brightness(Buffer.from(b ?? "", "base64"));
  return bb > ba ? "2. Image 2 is brighter." : "1. Image 1 is brighter.";
}

export async function startJudgeServer(models: string[] = ["judge-vl"]): Promise<JudgeServer> {
  const requests: RecordedRequest[] = [];
  const script: Scripted[] = [];
  const send = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(body);
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const text = await readBody(req);
      const path = req.url ?? "";
      let json: unknown = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      requests.push({ method: req.method ?? "", path, headers: req.headers, json });
      if (req.method === "GET" && path === "/v1/models")
        return send(res, 200, JSON.stringify({ object: "list", data: models.map((id) => ({ id, object: "model" })) }));
      if (req.method === "GET" && path === "/api/tags")
        return send(res, 200, JSON.stringify({ models: models.map((name) => ({ name: `${name}:latest`, model: `${name}:latest` })) }));
      const openai = req.method === "POST" && path === "/v1/chat/completions";
      const ollama = req.method === "POST" && path === "/api/chat";
      if (!openai && !ollama) return send(res, 404, JSON.stringify({ error: "not found" }));
      const step = script.shift();
      if (step?.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
      if (res.destroyed || req.socket.destroyed) return;
      if (step?.status && (step.status < 200 || step.status >= 300)) return send(res, step.status, step.body ?? "", step.headers);
      const answer = step?.answer ?? (await brighterAnswer(json));
      if (openai)
        return send(
          res,
          200,
          JSON.stringify({
            id: "x",
            object: "chat.completion",
            choices: [{ index: 0, message: { role: "assistant", content: answer }, finish_reason: "stop" }],
          }),
        );
      return send(
        res,
        200,
        JSON.stringify({ model: (json as Json)["model"], message: { role: "assistant", content: answer }, done: true }),
      );
    })().catch((error: unknown) => send(res, 500, JSON.stringify({ error: String(error) })));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    script,
    models,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
