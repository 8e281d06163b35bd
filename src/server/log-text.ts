/**
 * What the server writes to its log passes through here: control characters (C0, DEL, C1, which
 * a terminal acts on, and line breaks, which would let a client forge a log line) and the Unicode
 * bidi and format controls (which reorder what is shown, e.g. U+202E) become `\uXXXX` escapes;
 * `\n`, `\r` and `\t` become `\n`, `\r`, `\t`. Escaping twice changes nothing.
 */

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/gu;

const SHORT: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function logText(text: string): string {
  return text.replace(UNSAFE, (char) => SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A log function whose every line is escaped with logText. */
export function safeLog(log: (line: string) => void): (line: string) => void {
  return (line) => log(logText(line));
}
