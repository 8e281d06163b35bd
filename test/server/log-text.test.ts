import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { logText, safeLog } from "../../src/server/log-text.js";
import { demoServer, forSuite } from "./fixtures.js";
import { png, submit, waitForStatus } from "./helpers.js";

/** Any character a terminal would act on instead of printing. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

describe("server log lines", () => {
  it("escapes bidi and format controls as \\uXXXX", () => {
    assert.equal(logText("photo\u202Egnp.exe"), "photo\\u202egnp.exe");
    for (const code of [0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069, 0x061c, 0x2028, 0x2029]) {
      const text = `a${String.fromCharCode(code)}b`;
      assert.equal(logText(text), `a\\u${code.toString(16).padStart(4, "0")}b`);
    }
  });

  it("escapes C0 and C1 control characters, line breaks included, so that nobody can forge a log line", () => {
    assert.equal(logText("red\u001b[31m"), "red\\u001b[31m");
    assert.equal(logText("one\r\ntwo\u0000"), "one\\r\\ntwo\\u0000");
    assert.equal(logText("tab\there\u007f\u0085\u009b"), "tab\\there\\u007f\\u0085\\u009b");
    for (let code = 0; code < 0xa0; code++) {
      if (code >= 0x20 && code < 0x7f) continue;
      assert.doesNotMatch(logText(String.fromCharCode(code)), UNSAFE, `U+${code.toString(16)}`);
    }
  });

  it("leaves ordinary text alone, other scripts and emoji included, and escaping twice changes nothing", () => {
    const plain = 'job ed_123 started: "make the sky green", ciel vert, 空を緑に, سماء خضراء 🌿, C:\\path\\x';
    assert.equal(logText(plain), plain);
    const once = logText("a\u202eb\nc");
    assert.equal(logText(once), once);
  });

  it("safeLog passes every line through the escaping", () => {
    const lines: string[] = [];
    const log = safeLog((line) => lines.push(line));
    log("x\u2066y");
    assert.deepEqual(lines, ["x\\u2066y"]);
  });
});

describe("icedit serve: what a client sends reaches the log escaped", () => {
  const lines: string[] = [];
  const demo = forSuite(() => demoServer("icedit-log-", { log: (line) => lines.push(line) }));

  it("an instruction with U+202E and an escape sequence", async () => {
    const instruction = "make the sky \u202Eneerg\u202C \u001b[2J green";
    const submitted = await submit(demo().url, await png(), { instruction, width: 64, steps: 1 });
    assert.equal(submitted.status, 202, JSON.stringify(submitted.body));
    await waitForStatus(demo().url, submitted.body.id, ["done"]);
    const started = lines.find((line) => line.includes(`job ${submitted.body.id} started`));
    assert.ok(started, lines.join("\n"));
    assert.match(started, /\\u202eneerg\\u202c \\u001b\[2J green/);
    for (const line of lines) assert.doesNotMatch(line, UNSAFE, line);
  });
});
