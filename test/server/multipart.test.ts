import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { multipartBody, type AppFixture } from "./app-fixture.js";
import { TempApps } from "./fixtures.js";
import { png, type ErrorReply } from "./helpers.js";

const BOUNDARY = "----icedit-test-boundary";
const FIELDS = { instruction: "make the sky green", width: "64", steps: "1" };

describe("icedit serve: malformed multipart bodies", () => {
  let apps: TempApps;
  let fixture: AppFixture;
  let body: Buffer;
  before(async () => {
    apps = await TempApps.create("icedit-multipart-");
    fixture = await apps.start();
    body = multipartBody(BOUNDARY, await png(), FIELDS);
  });
  after(async () => apps?.close());

  const post = async (contentType: string, payload: Buffer): Promise<{ status: number; body: ErrorReply }> => {
    const reply = await fixture.app.inject({ method: "POST", url: "/v1/edits", headers: { "content-type": contentType }, payload });
    return { status: reply.statusCode, body: reply.json<ErrorReply>() };
  };

  it("takes the well-formed body (the cases below break only one thing)", async () => {
    const reply = await post(`multipart/form-data; boundary=${BOUNDARY}`, body);
    assert.equal(reply.status, 202, JSON.stringify(reply.body));
  });

  const cases: ReadonlyArray<readonly [string, () => readonly [string, Buffer]]> = [
    ["no boundary", () => ["multipart/form-data", body]],
    ["an empty boundary", () => ["multipart/form-data; boundary=", body]],
    ["a body cut short", () => [`multipart/form-data; boundary=${BOUNDARY}`, body.subarray(0, Math.floor(body.length / 2))]],
    [
      "a body cut inside the headers of a part",
      () => [`multipart/form-data; boundary=${BOUNDARY}`, body.subarray(0, BOUNDARY.length + 20)],
    ],
    ["a wrong boundary", () => ["multipart/form-data; boundary=not-the-one-in-the-body", body]],
    [
      "a part without headers",
      () => [`multipart/form-data; boundary=${BOUNDARY}`, Buffer.from(`--${BOUNDARY}\r\nno colon\r\n\r\nx\r\n--${BOUNDARY}--\r\n`)],
    ],
  ];
  for (const [name, make] of cases) {
    it(`answers 400 bad_multipart to ${name}, and logs no stack`, async () => {
      const before = fixture.logs.length;
      const [type, payload] = make();
      const reply = await post(type, payload);
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.equal(reply.body.error.code, "bad_multipart");
      assert.match(reply.body.error.message, /multipart\/form-data/);
      assert.doesNotMatch(reply.body.error.message, /\n/);
      const logged = fixture.logs.slice(before).join("\n");
      assert.doesNotMatch(logged, /\n\s+at /, "no stack trace in the log");
      assert.doesNotMatch(logged, /internal|error in POST/);
    });
  }
});
