import { setFlagsFromString } from "node:v8";

/**
 * Inference rules' `match.lastMessage` patterns, kept from hanging the emulator (ReDoS): each runs
 * on V8's linear-time regular expression engine (the `l` flag, enabled here with
 * `--enable-experimental-regexp-engine`), whose time grows with the message's length and never
 * explodes, whatever the pattern (`(a+)+$`, `(a|aa)*$`, `a*a*a*b` included). What that engine cannot
 * run, backreferences and lookaheads, is refused when the rule is made (`patternProblem`); the
 * schema caps a pattern at 1,000 characters. Patterns take no flags, as before: case counts.
 */
setFlagsFromString("--enable-experimental-regexp-engine");

/** A pattern on the linear-time engine: throws a SyntaxError for what it cannot run. */
const linear = (source: string) => new RegExp(source, "l");

/** Why a pattern is refused (a sentence for the field's issue), or null when it may be used. */
export function patternProblem(source: string): string | null {
  try {
    new RegExp(source);
  } catch (e) {
    return `not a regular expression: ${(e as Error).message}`;
  }
  try {
    linear(source);
    return null;
  } catch {
    return "uses a backreference or a lookahead, which the emulator's linear-time matcher cannot run (it keeps a long message from hanging the emulator); write it without them";
  }
}

const compiled = new Map<string, RegExp | null>();

/** Whether the message's text matches the pattern, in time linear in the text; a pattern refused by `patternProblem` (stored before it existed) matches nothing. */
export function matchesLastMessage(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = linear(pattern);
    } catch {
      re = null;
    }
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, re);
  }
  return re?.test(text) ?? false;
}
