/**
 * The demo vocabularies' word list: first the words of the shapes world (its instructions and
 * captions, SCENE_VOCABULARY) and of ICEdit's in-context prompt, so that both demo tokenizers hold
 * each of them as one token; then a small English word list, most frequent first: common function
 * words, then words that image-editing instructions use (colours, objects, styles, edits).
 * Frequencies are Zipf-like by rank; they only shape which merges and pieces the vocabularies hold.
 */
import { IC_PROMPT_PREFIX } from "../pipelines/icedit/prompt.js";
import { SCENE_VOCABULARY } from "./scenes/grammar.js";

const WORDS = `
the of and a to in is on with that for it as was his are by at be this from or her an have not
they which one you were all she their there has been we more when would what some can if out will
so up into them other than then its only time two new make like over also after any same left
right side image images scene picture photo change add remove replace turn make her his hair color
colour red green blue yellow black white dark light bright orange purple pink brown gray grey gold
silver sky cloud clouds sun moon night day rain snow water sea river lake tree trees flower flowers
grass forest mountain mountains city street road house building car boat dog cat bird horse fish
man woman person people boy girl child face eyes eye hand hands head hat shirt dress coat jacket
glasses shoes background foreground style painting drawing sketch cartoon anime oil watercolor
photograph realistic portrait landscape wearing holding standing sitting smiling looking behind front
top bottom under above next near small large big tall short long old young happy sad beautiful
exactly diptych identical instead keep style make into more less much very into give put take wear
show let set become look looks looked looking made making changed changing added removed replaced
table chair window door wall floor room kitchen garden park beach field sand stone wood glass metal
fire smoke light shadow reflection wet dry hot cold winter summer spring autumn morning evening sunset
sunrise golden hour neon lamp candle christmas halloween party cake food fruit apple banana bread
coffee cup bottle book phone computer screen sign text word words letter letters number logo
flag ball toy robot dragon monster ghost zombie king queen crown sword helmet armor mask beard
mustache smile tears tattoo makeup lipstick earrings necklace ring bag umbrella scarf gloves boots
background blurred blur sharp focus zoom wide angle view camera lens film vintage retro modern
futuristic cyberpunk fantasy medieval ancient cartoonish pixel art comic van gogh monet picasso
sculpture statue marble bronze plastic paper cardboard fabric wool leather fur feathers wings tail
`;

/**
 * The words of the world, as a whitespace tokenizer sees them (lower case, sentence punctuation
 * dropped): the scenes' vocabulary and the in-context prompt's words, "side-by-side" included.
 */
export function worldWords(): string[] {
  const prompt = IC_PROMPT_PREFIX.toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[.,]+$/, ""));
  return [...new Set([...SCENE_VOCABULARY, ...prompt].filter((w) => w !== ""))];
}

/** The letter runs of the world's words ("side-by-side" -> "side", "by"): the words CLIP's pre-tokenizer sees. */
export function worldLetterWords(): string[] {
  return [...new Set(worldWords().flatMap((w) => w.split(/[^a-z]+/)))].filter((w) => w !== "");
}

/** The in-context prompt's words as written ("A", "On": T5 keeps case), sentence punctuation dropped. */
export function promptWordsAsWritten(): string[] {
  return IC_PROMPT_PREFIX.split(/\s+/)
    .map((w) => w.replace(/[.,]+$/, ""))
    .filter((w) => w !== "");
}

/**
 * [word, frequency] in rank order, duplicates removed: the world's words first, then the prompt's
 * capitalised words and the letter runs of the hyphenated ones, then WORDS.
 */
export function demoWords(): [string, number][] {
  const seen = new Set<string>();
  const out: [string, number][] = [];
  for (const w of [...worldWords(), ...promptWordsAsWritten(), ...worldLetterWords(), ...WORDS.split(/\s+/)]) {
    if (w === "" || seen.has(w)) continue;
    seen.add(w);
    out.push([w, Math.round(100000 / (out.length + 10))]);
  }
  return out;
}
