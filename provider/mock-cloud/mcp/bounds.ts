/**
 * Bounds on a tool call's arguments that hold before anything recurses over them (a schema, a
 * digest, a client's JSON.stringify): shared by the emulator's MCP server (tools.ts) and the stdio
 * relay (stdio.ts), which loads no route table.
 */

/** The deepest nesting of objects and arrays a call's arguments may have: the API's own bound on a body (http/body.ts). */
export const maxArgumentDepth = 64;

export const tooDeep = `the arguments nest objects and arrays more than ${maxArgumentDepth} levels deep`;

/** Whether a value nests objects and arrays more than `max` levels deep (the value itself is level 1); walked without recursion. */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== "object") continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
  }
  return false;
}
