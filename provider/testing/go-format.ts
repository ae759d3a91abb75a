/**
 * How the Pulumi engine (Go) prints a resource's check failures, for the testing kit's mocks to
 * fail a registration with the text `pulumi up` shows. A copy of Go behaviour: the engine's
 * messages, `PropertyValue.String()` with secrets redacted, and `fmt`'s `%v` of the values inside
 * (maps with sorted keys, floats in shortest form). go-format.test.ts pins each format to what the
 * pinned engine prints.
 *
 * Values are given as the engine receives them from the Node SDK: JSON values, a secret as an
 * object signed with the secret signature, an unknown as the unknown-string sentinel (or whatever
 * `isUnknown` says is one: the SDK's `unknown`, under mocks).
 */
import { unknownValue } from "../api/engine.ts";

/** The key and value that mark an object as a secret, on the wire (Go `sig.Key`, `sig.Secret`). */
const secretSigKey = "4dabf18193072939515e22adb298388d";
const secretSig = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;
type IsUnknown = (v: unknown) => boolean;

/** A secret as the engine receives it (and as Pulumi mocks return one): `{ [sig.Key]: sig.Secret, value }`. */
export function secretValue(value: unknown): { value: unknown } {
  return { [secretSigKey]: secretSig, value } as { value: unknown };
}

/** Whether `v` is a secretValue(). */
export function isSecretValue(v: unknown): v is { value: unknown } {
  return v !== null && typeof v === "object" && (v as Props)[secretSigKey] === secretSig;
}

/** A check failure as the engine prints it (`issueCheckFailures`, diag codes 2002 and 2003). */
export function checkFailureMessage(
  type: string,
  name: string,
  failure: { property?: string; reason: string },
  inputs: Props,
  isUnknown?: IsUnknown,
): string {
  // The engine looks the property up at the top level of the inputs: a nested path (`a.b`) finds nothing.
  return failure.property
    ? `${type} resource '${name}': property ${failure.property} value ${goPropertyValue(Object.hasOwn(inputs, failure.property) ? inputs[failure.property] : undefined, isUnknown)} has a problem: ${failure.reason}`
    : `${type} resource '${name}' has a problem: ${failure.reason}`;
}

/** Go `PropertyValue.RedactSecrets()`: `{v}`, `output<string>{}` where unknown, `{[secret]}` for a secret. */
export function goPropertyValue(v: unknown, isUnknown: IsUnknown = () => false): string {
  if (v === unknownValue || isUnknown(v)) return "output<string>{}";
  if (isSecretValue(v)) return "{[secret]}";
  return `{${goInner(v, isUnknown)}}`;
}

/** `%v` of a PropertyValue's underlying value. */
function goInner(v: unknown, isUnknown: IsUnknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (typeof v === "number") return goFloat(v);
  if (typeof v === "string" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map((x) => goPropertyValue(x, isUnknown)).join(" ")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v)
      .filter((k) => (v as Props)[k] !== undefined)
      .sort(byUtf8);
    return `map[${keys.map((k) => `${k}:${goPropertyValue((v as Props)[k], isUnknown)}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's order of strings (bytes of their UTF-8), as `fmt` sorts a map's keys. */
function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Go's `%v` of a float64: shortest digits, exponent form from 1e+06 up and below 1e-04. */
function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "+Inf" : "-Inf";
  if (n === 0) return Object.is(n, -0) ? "-0" : "0";
  const [mantissa, e] = n.toExponential().split("e") as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    return `${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  return String(n);
}
