import { createContext, Script } from "node:vm";

/**
 * Inference rules' `match.lastMessage` patterns, kept from hanging the emulator (ReDoS):
 * - refused when the rule is made (`patternProblem`): backreferences, and a repeated group that
 *   itself repeats something (nested quantifiers, `(a+)+`), the shapes whose backtracking grows
 *   exponentially with the text; the schema caps a pattern at 1,000 characters;
 * - run (`matchesLastMessage`) within `matchBudgetMs` of real time: a match that takes longer (an
 *   overlapping alternation, `(a|aa)*$`, polynomial backtracking, `a*a*a*b`, or a pattern stored
 *   before this check) counts as no match, said once on stderr. The text is not cut: a pattern
 *   anchored at the end (`$`) sees the message's end.
 */
const matchBudgetMs = 1000;

/** Why a pattern is refused (a sentence for the field's issue), or null when it may be used. */
export function patternProblem(source: string): string | null {
  // One frame per open group: whether something in it repeats, and where it opened.
  const frames: { repeats: boolean; at: number }[] = [{ repeats: false, at: 0 }];
  let i = 0;
  while (i < source.length) {
    const ch = source[i];
    let end = i + 1;
    let group: { repeats: boolean; at: number } | null = null;
    if (ch === "\\") {
      const next = source[i + 1] ?? "";
      if (/[1-9]/.test(next) || (next === "k" && source[i + 2] === "<")) {
        return `backreferences (${source.slice(i, i + (next === "k" ? 3 : 2))}…, at character ${i}) can take exponential time on a long message; they are not allowed`;
      }
      end = i + 2;
    } else if (ch === "[") {
      // A class is one atom: to its closing bracket (one right after `[` or `[^` is a member).
      end = i + 1;
      if (source[end] === "^") end++;
      if (source[end] === "]") end++;
      while (end < source.length && source[end] !== "]") end += source[end] === "\\" ? 2 : 1;
      end++;
    } else if (ch === "(") {
      frames.push({ repeats: false, at: i });
      // Past the group's prefix: (?: (?= (?! (?<= (?<! (?<name>
      const prefix = /^\(\?(?::|=|!|<=|<!|<[^>]*>)?/.exec(source.slice(i));
      i += prefix ? prefix[0].length : 1;
      continue;
    } else if (ch === ")") {
      group = frames.length > 1 ? (frames.pop() ?? null) : null;
    } else if (ch === "|" || ch === "^" || ch === "$") {
      i++;
      continue;
    }
    const q = quantifierAt(source, end);
    const top = frames[frames.length - 1] as { repeats: boolean };
    if (q?.repeats && group?.repeats) {
      const shown = source.slice(group.at, q.end);
      return `${shown.length > 40 ? `${shown.slice(0, 40)}…` : shown} (at character ${group.at}) repeats a group that itself repeats (a nested quantifier), which can take exponential time on a long message; write it without the nesting`;
    }
    if (q?.repeats || group?.repeats) top.repeats = true;
    i = q ? q.end : end;
  }
  return null;
}

/** The quantifier at `at` (`*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, lazy or not): whether it repeats (more than once), and its end. */
function quantifierAt(source: string, at: number): { repeats: boolean; end: number } | null {
  const ch = source[at];
  let repeats: boolean;
  let end = at + 1;
  if (ch === "*" || ch === "+") repeats = true;
  else if (ch === "?") repeats = false;
  else if (ch === "{") {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
    if (!m) return null;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? Number.POSITIVE_INFINITY : Number(m[3]);
    repeats = max > 1;
    end = at + m[0].length;
  } else return null;
  if (source[end] === "?") end++;
  return { repeats, end };
}

const compiled = new Map<string, RegExp>();
const warned = new Set<string>();
let sandbox: { context: object; script: Script } | null = null;

/**
 * Whether the message's text matches the pattern, within the budget (vm's timeout interrupts the
 * regular expression engine). A pattern that is no regular expression, or a match out of time, is
 * no match.
 */
export function matchesLastMessage(pattern: string, text: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = new RegExp(pattern);
    } catch {
      return false;
    }
    if (compiled.size >= 256) compiled.clear();
    compiled.set(pattern, re);
  }
  sandbox ??= { context: createContext({}), script: new Script("re.test(text)") };
  const scope = sandbox.context as { re?: RegExp; text?: string };
  scope.re = re;
  scope.text = text;
  try {
    return sandbox.script.runInContext(sandbox.context, { timeout: matchBudgetMs }) === true;
  } catch (e) {
    // Out of time, or out of the engine's backtracking stack.
    if (!warned.has(pattern)) {
      if (warned.size >= 256) warned.clear();
      warned.add(pattern);
      const why =
        (e as { code?: string }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT"
          ? `took over ${matchBudgetMs} ms`
          : `failed (${(e as Error).message})`;
      process.stderr.write(
        `agentcloud-mock: the inference rule pattern ${JSON.stringify(pattern.slice(0, 80))} ${why} on a ${scope.text?.length ?? 0}-character message: counted as no match\n`,
      );
    }
    return false;
  } finally {
    scope.text = "";
  }
}
