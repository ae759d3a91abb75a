import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { unknownValue } from "../api/engine.ts";
import { checkFailureMessage, goPropertyValue, isSecretValue, secretValue } from "./go-format.ts";

// The formats go-format.ts copies, pinned to what the engine the tests use (v3.274.1, in the Go
// module cache at /root/go/pkg/mod/github.com/pulumi/pulumi/) prints. Where it prints them:
// - the messages: sdk/v3@v3.274.1/go/common/diag/errors.go:37 (2002, "%v resource '%v' has a
//   problem: %v") and :41 (2003, "%v resource '%v': property %v value %v has a problem: %v");
// - printed by issueCheckFailures, pkg/v3@v3.274.1/resource/deploy/step_generator.go:3190, with
//   the value rendered by PropertyValue.RedactSecrets (:3196) of `inputs[failure.Property]` (:3204),
//   a top-level lookup (a nested path finds nothing: the zero PropertyValue, `{<nil>}`);
// - PropertyValue.String, sdk/v3@v3.274.1/go/common/resource/properties.go:642: a computed value is
//   `%v{}` of its TypeString (:645; `output<` + element + `>`, :577), anything else `{%v}` of the Go
//   value (:655), so maps and arrays are fmt's `map[k:v …]` (sorted keys) and `[v …]`, numbers
//   float64's `%v`; RedactSecrets (:660) puts the string "[secret]" for a secret (:668, :672);
// - an unknown from the SDK (sdk/v3@v3.274.1/go/common/resource/sig/sig.go:54) becomes a computed
//   string, sdk/v3@v3.274.1/go/common/resource/plugin/rpc.go:641-642, :658;
// - a secret is signed with sig.Key and sig.Secret, sig.go:21 and :24.
// The expected strings below were printed by a Go program that builds these PropertyValues with
// github.com/pulumi/pulumi/sdk/v3 v3.274.1 (resource.NewProperty, MakeComputed(NewProperty("")),
// MakeSecret) and prints `v.RedactSecrets()`, and the messages with fmt.Sprintf of the two Diags.

const type = "pulumi-nodejs:dynamic/agentcloud:ChipCluster";

describe("Go's printing of property values, as the pinned engine does it", () => {
  it.each([
    ["null", null, "{<nil>}"],
    ["true", true, "{true}"],
    ["a string", "hello world", "{hello world}"],
    ["the empty string", "", "{}"],
    ["an array", ["a", 1, null], "{[{a} {1} {<nil>}]}"],
    ["the empty array", [], "{[]}"],
    ["the empty object", {}, "{map[]}"],
    [
      "nested objects and arrays",
      { obj: { n: null }, list: [{ k: "v" }] },
      "{map[list:{[{map[k:{v}]}]} obj:{map[n:{<nil>}]}]}",
    ],
    ["an unknown (the SDK's sentinel)", unknownValue, "output<string>{}"],
    ["a secret", secretValue("s3cr3t"), "{[secret]}"],
    [
      "an object holding a secret and an unknown",
      { key: secretValue("s"), id: unknownValue },
      "{map[id:output<string>{} key:{[secret]}]}",
    ],
    [
      "an array holding a secret and an unknown",
      [secretValue(1), unknownValue],
      "{[{[secret]} output<string>{}]}",
    ],
  ])("%s", (_what, value, printed) => {
    expect(goPropertyValue(value)).toBe(printed);
  });

  it("sorts a map's keys as Go does: by their UTF-8 bytes", () => {
    const value = { b: 2, a: "x", B: true, é: "e", z: "z", "\uffff": "ffff", "😀": "emoji" };
    expect(goPropertyValue(value)).toBe("{map[B:{true} a:{x} b:{2} z:{z} é:{e} \uffff:{ffff} 😀:{emoji}]}");
  });

  it.each([
    [0, "0"],
    [-0, "-0"],
    [1, "1"],
    [-3, "-3"],
    [2.5, "2.5"],
    [0.5, "0.5"],
    [0.1, "0.1"],
    [1e-4, "0.0001"],
    [0.000123, "0.000123"],
    [1e-5, "1e-05"],
    [1.5e-5, "1.5e-05"],
    [-1.5e-7, "-1.5e-07"],
    [5e-324, "5e-324"],
    [123456, "123456"],
    [123456.7, "123456.7"],
    [100000.5, "100000.5"],
    [999999, "999999"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [12345678, "1.2345678e+07"],
    [2 ** 53 + 1, "9.007199254740992e+15"],
    [1e20, "1e+20"],
    [1e21, "1e+21"],
    [Number.MAX_VALUE, "1.7976931348623157e+308"],
  ])("prints the number %d as {%s}", (n, printed) => {
    expect(goPropertyValue(n)).toBe(`{${printed}}`);
  });

  it("prints whatever isUnknown says is unknown (the SDK's unknown, under mocks) as a computed string", () => {
    expect(goPropertyValue(pulumi.unknown, pulumi.isUnknown)).toBe("output<string>{}");
    expect(goPropertyValue({ id: pulumi.unknown }, pulumi.isUnknown)).toBe("{map[id:output<string>{}]}");
  });
});

describe("the engine's check-failure messages", () => {
  it("a failure of a property: its top-level input's value", () => {
    expect(checkFailureMessage(type, "c", { property: "chips", reason: "too few" }, { chips: 3 })).toBe(
      "pulumi-nodejs:dynamic/agentcloud:ChipCluster resource 'c': property chips value {3} has a problem: too few",
    );
  });

  it("a failure of a nested property: {<nil>}, the engine looks the path up at the top level", () => {
    const inputs = { deployment: { chipsPerReplica: 16 } };
    expect(
      checkFailureMessage(type, "q", { property: "deployment.chipsPerReplica", reason: "too small" }, inputs),
    ).toBe(
      `${type} resource 'q': property deployment.chipsPerReplica value {<nil>} has a problem: too small`,
    );
    expect(checkFailureMessage(type, "q", { property: "constructor", reason: "r" }, {})).toContain(
      "value {<nil>} has a problem",
    );
  });

  it("a secret input's value is redacted", () => {
    expect(
      checkFailureMessage(type, "c", { property: "token", reason: "r" }, { token: secretValue("x") }),
    ).toBe(`${type} resource 'c': property token value {[secret]} has a problem: r`);
  });

  it("a failure of the resource as a whole", () => {
    expect(checkFailureMessage(type, "c", { reason: "bad" }, {})).toBe(
      "pulumi-nodejs:dynamic/agentcloud:ChipCluster resource 'c' has a problem: bad",
    );
  });
});

describe("the engine's signatures, in go-format.ts and api/engine.ts", () => {
  it("a secret is signed with sig.Key and sig.Secret (sig.go:21, :24), which the installed SDK uses too", () => {
    const s = secretValue(1);
    expect(s).toEqual({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: 1 });
    expect(s).toEqual({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value: 1 });
    expect(isSecretValue(s)).toBe(true);
    expect(isSecretValue({ value: 1 })).toBe(false);
    expect(isSecretValue(null)).toBe(false);
  });

  it("an unknown is sig.UnknownStringValue (sig.go:54), the installed SDK's unknownValue", () => {
    expect(unknownValue).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    expect(unknownValue).toBe(pulumi.runtime.unknownValue);
  });
});
