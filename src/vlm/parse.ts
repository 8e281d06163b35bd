/**
 * Reading a judge's free-text answer: "1", "Image 2", "**2**", "The second image ...",
 * "2. Because ...", "I choose image 1 because image 2 ..." each name one candidate; an answer that
 * names both or neither gives null (the caller asks again, then counts a tie).
 */

type Choice = 1 | 2;

const WORD: Readonly<Record<string, Choice>> = { "1": 1, "2": 2, one: 1, two: 2, first: 1, second: 2 };
const NOUN = "(?:edited\\s+)?(?:image|candidate|picture|option|edit|photo|img|result)";
/** One candidate: "image 2", "image #1", "edit one", "the first", "the second image", "first one". */
const REF = `(?:(?:the\\s+)?${NOUN}\\s*(?:#|no\\.?|number)?\\s*(1|2|one|two)\\b|the\\s+(first|second)\\b(?:\\s+(?:${NOUN}|one)\\b)?|(first|second)\\s+(?:${NOUN}|one)\\b)`;
/** Words that announce the decision right before a reference. */
const VERB =
  "(?:choose|chose|choosing|pick|picked|prefer|preferred|select|selected|go\\s+with|vote\\s+for|recommend|answer\\s+is|answer\\s*:|choice\\s+is|choice\\s*:|winner\\s+is|winner\\s*:|verdict\\s*:|(?:better|best)(?:\\s+(?:one|image|edit|candidate|option))?\\s+(?:is|would\\s+be))";
/** After a reference, its praise: "image 2 is clearly better", "the second one follows the instruction better". */
const PRAISE =
  "(?:is|was|looks|seems|does|follows|wins|has|matches|performs|shows)\\b(?:\\s+[a-z'-]+){0,4}?\\s+(?:better|best|superior|preferable|more\\s+faithful|winner)\\b";
/** "image 1 and image 2", "the first or the second": a reference that does not choose. */
const PAIRED = `\\s*(?:and|or|&|/|,|vs\\.?|versus)\\s*(?:the\\s+)?(?:${NOUN}\\s*)?(?:1|2|one|two|first|second)\\b`;
const NOT_A_PAIR = "(?!\\s*(?:and\\b|or\\b|&|/|vs\\b|versus\\b))";

function normalise(text: string): string {
  return text
    .replace(/[*_`>~"“”‘’]/g, " ")
    .replace(/#(?![12]\b)/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .toLowerCase();
}

function choiceOf(match: RegExpMatchArray): Choice | null {
  const word = match.slice(1).find((g) => g !== undefined);
  return word === undefined ? null : (WORD[word] ?? null);
}

/** The one choice all of `choices` make, or null when they disagree or there are none. */
function agreed(choices: readonly (Choice | null)[]): Choice | null {
  const set = new Set(choices.filter((c): c is Choice => c !== null));
  return set.size === 1 ? ([...set][0] as Choice) : null;
}

const WHOLE = new RegExp(`^(?:(?:final\\s+)?answer\\s*[:-]?\\s*)?[\\[(]?(?:${NOUN}\\s*#?\\s*)?([12])[\\])]?[.!]?$`);
const LEADING = new RegExp(`^(?:(?:final\\s+)?answer\\s*[:-]?\\s*)?[\\[(]?([12])(?![\\d.,]\\d)${NOT_A_PAIR}[\\])]?(?=[\\s.,:;!)\\]-]|$)`);
const DECISION = new RegExp(`\\b${VERB}\\s*[:-]?\\s*${REF}`, "g");
const PRAISED = new RegExp(`${REF}\\s+${PRAISE}`, "g");
const STARTS = new RegExp(`^${REF}(?!${PAIRED})`);
const ANY_REF = new RegExp(REF, "g");
const PAIR = new RegExp(`${REF}${PAIRED}`);

export function parseChoice(answer: string): Choice | null {
  const text = normalise(answer);
  if (text.length === 0) return null;

  // 1. The whole answer is a choice: "1", "2.", "(2)", "image 2", "answer: 1".
  const whole = text.match(WHOLE);
  if (whole) return choiceOf(whole);

  // 2. It starts with the digit: "2. Because ...", "1 - the sky ...", "answer: 2, since ...".
  const leading = text.match(LEADING);
  if (leading) return choiceOf(leading);

  // 3. Decision phrases: "I choose image 1 ...", "the better one is the second", "image 2 is better".
  const decisions = [...text.matchAll(DECISION), ...text.matchAll(PRAISED)].map(choiceOf);
  if (decisions.length > 0) return agreed(decisions);

  // 4. It starts with one reference: "The second image adds the hat ...", "Image 2: ...".
  const start = text.match(STARTS);
  if (start) return choiceOf(start);

  // 5. Only one candidate is mentioned at all (and never paired with the other: "image 1 & 2").
  if (PAIR.test(text)) return null;
  return agreed([...text.matchAll(ANY_REF)].map(choiceOf));
}
