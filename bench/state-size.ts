/**
 * How big a property bag of Pulumi state is (bench/state.ts), measured on the JSON of `pulumi stack
 * export`:
 *
 * - **bytes**: UTF-8 bytes of the compact JSON (`JSON.stringify`, no spaces). The checkpoint file
 *   itself is indented, so its bytes are more; the bench reports it apart.
 * - **nodes**: every JSON value counts 1 (object, array, string, number, boolean, null), and an
 *   object or array adds the count of each of its values, recursively. Keys are not nodes; `undefined`
 *   members are skipped, as JSON.stringify does. The bag itself counts: `{}` is 1 node, `{ a: 1 }` 2,
 *   `{ a: [1, 2] }` 4. A secret in an export is the object `{ "4dabf1…": "1b47061…", ciphertext }`:
 *   3 nodes (the engine holds it as a secret wrapping its value, 2 nodes or more).
 * - **a key's bytes**: those of its member in the compact JSON, `"key":value`. The members' bytes,
 *   plus a comma between two members and the two braces, are the bag's bytes.
 */

export type Bag = Record<string, unknown>;

const isObject = (v: unknown): v is Bag => v !== null && typeof v === "object" && !Array.isArray(v);

/** UTF-8 bytes of the compact JSON of a value (0 for undefined, which JSON leaves out). */
export function jsonBytes(v: unknown): number {
  const text = JSON.stringify(v);
  return text === undefined ? 0 : Buffer.byteLength(text, "utf8");
}

/** Value nodes of a JSON value: 1 for itself, plus those of its members or elements, recursively. */
export function countNodes(v: unknown): number {
  if (v === undefined) return 0;
  if (Array.isArray(v)) return 1 + v.reduce((n: number, x) => n + countNodes(x === undefined ? null : x), 0);
  if (isObject(v)) return 1 + Object.values(v).reduce((n: number, x) => n + countNodes(x), 0);
  return 1;
}

export interface KeySize {
  key: string;
  /** Bytes of `"key":value` in the compact JSON. */
  bytes: number;
  /** Nodes of the value. */
  nodes: number;
}

/** Each top-level member of a bag, biggest first (ties by key). */
export function keySizes(bag: Bag): KeySize[] {
  return Object.entries(bag)
    .filter(([, v]) => v !== undefined)
    .map(([key, v]) => ({ key, bytes: jsonBytes(key) + 1 + jsonBytes(v), nodes: countNodes(v) }))
    .sort((a, b) => b.bytes - a.bytes || a.key.localeCompare(b.key));
}

/** Whether two JSON values are the same, whatever the order of their keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
    );
  }
  if (isObject(a) || isObject(b)) {
    if (!isObject(a) || !isObject(b)) return false;
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => k in b && sameJson(a[k], b[k]));
  }
  return a === b;
}

/**
 * The counters against a hand-made bag whose figures were counted by hand. Returns what is wrong
 * (empty when all is right).
 */
export function selfCheck(): string[] {
  const failures: string[] = [];
  const expect = (what: string, got: unknown, want: unknown) => {
    if (!sameJson(got, want))
      failures.push(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  // {"a":1,"b":[true,null,"x"],"c":{"d":{"e":[]}},"é":"ü","s":{"4dabf18193072939515e22adb298388d":"1b47061264138c4ac30d75fd1eb44270","ciphertext":"zz"}}
  const bag: Bag = {
    a: 1, // 1 node, "a":1 = 5 bytes
    b: [true, null, "x"], // 4 nodes, "b":[true,null,"x"] = 19 bytes
    c: { d: { e: [] } }, // 3 nodes, "c":{"d":{"e":[]}} = 18 bytes
    é: "ü", // 1 node, "é":"ü" = 9 bytes (é and ü are 2 bytes each in UTF-8)
    s: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "zz" }, // 3 nodes
    u: undefined, // left out, as in JSON
  };
  // "s":{ + "4dabf…":"1b47…" (34 + 1 + 34) + , + "ciphertext":"zz" (12 + 1 + 4) + } = 5 + 69 + 1 + 17 + 1
  const secretBytes = 93;
  expect("nodes of the bag", countNodes(bag), 1 + 1 + 4 + 3 + 1 + 3);
  expect("nodes of {}", countNodes({}), 1);
  expect("nodes of []", countNodes([]), 1);
  expect("nodes of a scalar", countNodes("x"), 1);
  expect("nodes of null", countNodes(null), 1);
  expect("nodes of undefined", countNodes(undefined), 0);
  expect("bytes of the bag", jsonBytes(bag), 2 + 5 + 19 + 18 + 9 + secretBytes + 4);
  expect("bytes of a UTF-8 string", jsonBytes("é"), 4);
  expect(
    "members by bytes",
    keySizes(bag).map((k) => [k.key, k.bytes, k.nodes]),
    [
      ["s", secretBytes, 3],
      ["b", 19, 4],
      ["c", 18, 3],
      ["é", 9, 1],
      ["a", 5, 1],
    ],
  );
  const members = keySizes(bag);
  expect(
    "members + commas + braces = the bag",
    members.reduce((n, k) => n + k.bytes, 0) + members.length - 1 + 2,
    jsonBytes(bag),
  );
  expect("same JSON, keys in another order", sameJson({ a: 1, b: [1] }, { b: [1], a: 1 }), true);
  expect("different JSON", sameJson({ a: 1 }, { a: 1, b: null }), false);
  return failures;
}
