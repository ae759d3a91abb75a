/**
 * `agentCloudMocks()`: Pulumi unit-test mocks (`pulumi.runtime.setMocks`) that answer our three
 * resource types with the provider's own `check` and `create`, run in this process against the
 * emulator behind msw: no engine, no provider process, no listening socket.
 *
 *   const mocks = agentCloudMocks();
 *   pulumi.runtime.setMocks(mocks, "my-project", "dev");
 *   const program = await import("./index.ts");
 *   ...
 *   await mocks.close();
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ResourceKind } from "../api/common.ts";
import { unknownValue } from "../api/engine.ts";
import {
  createMockCloud,
  defaultAdminToken,
  defaultDevAccount,
  defaultDevToken,
  type Limits,
  type MockCloud,
  type Seed,
  type Transitions,
} from "../mock-cloud/index.ts";
import { outputState, rpcsSettled } from "../resources/shared/sdk-internals.ts";
import { setConfig } from "../runtime/config.ts";
import { handlers } from "../runtime/index.ts";
import { MockCloudAdmin } from "./admin.ts";
import { checkFailureMessage, isSecretValue, secretValue } from "./go-format.ts";

type Props = Record<string, unknown>;
type Mocks = pulumi.runtime.Mocks;
type MockResourceArgs = pulumi.runtime.MockResourceArgs;
type MockResourceResult = pulumi.runtime.MockResourceResult;
type MockCallArgs = pulumi.runtime.MockCallArgs;

/** How the dynamic-provider SDK names our types: `pulumi-nodejs:dynamic/agentcloud:ChipCluster`. */
export const agentCloudTypes: Record<ResourceKind, string> = {
  ChipCluster: "pulumi-nodejs:dynamic/agentcloud:ChipCluster",
  ModelEndpoint: "pulumi-nodejs:dynamic/agentcloud:ModelEndpoint",
  AgentRuntime: "pulumi-nodejs:dynamic/agentcloud:AgentRuntime",
};
const kindOfType = new Map(Object.entries(agentCloudTypes).map(([k, t]) => [t, k as ResourceKind]));

/**
 * Outputs each resource class lists in `additionalSecretOutputs`. The Mocks contract does not pass
 * resource options to `newResource`, so these are marked here; an `additionalSecretOutputs` a
 * program adds itself is not seen (it is under a real engine).
 */
const secretOutputs: Record<ResourceKind, readonly string[]> = {
  ChipCluster: [],
  ModelEndpoint: ["apiKey"],
  AgentRuntime: ["secretEnv"],
};

export interface AgentCloudMocksOptions {
  /** Resources the cloud holds before the program runs (`{ resources: [{ kind, spec }] }` or a snapshot). */
  seed?: Seed;
  /** Quotas and capacity of the emulator, to test what a program does when the cloud says no. */
  limits?: Partial<Limits>;
  /** How long long-running operations take on the emulator clock (default: immediate). */
  transitions?: Transitions;
  /** What the emulator's clock reads when the mocks start (default: now). */
  now?: Date | string | number;
  /** Answers every other resource type and every invoke. Default: echo the inputs (id `<name>-id`). */
  fallback?: Partial<Mocks>;
  /** Where the provider's client is pointed; intercepted in process. Default: a unique `http://agentcloud-mocks-N.test`. */
  baseUrl?: string;
}

export interface AgentCloudMocks extends Mocks {
  /** The emulator behind the mocks: its URL, the token the provider uses, and its admin client. */
  readonly cloud: {
    url: string;
    token: string;
    admin: MockCloudAdmin;
    /** Calls the AgentCloud API as the test account: `await mocks.cloud.api("GET", "/v1/chip-clusters")`. */
    // biome-ignore lint/suspicious/noExplicitAny: the API's JSON, as the tests read it.
    api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
    emulator: MockCloud;
  };
  /**
   * Every registration the mocks answered, in order: our types with the outputs the program sees
   * (secrets in plaintext here), every other type as the fallback answered it. For assertions
   * across a whole program ("every runtime has exactly one primary model").
   */
  readonly resources: MockRegistration[];
  /**
   * Runs a program under these mocks as the Pulumi language host would (call `setMocks` first):
   * waits for every registration, and collects every failure, which under the engine fails the
   * update, instead of letting the SDK's rejected outputs reach the test runner as unhandled
   * rejections (what `pulumi up` prints, one entry per distinct message). `outputs` are the
   * program's exports, resolved like the Automation API's `up().outputs`.
   */
  run(program: () => unknown): Promise<ProgramResult>;
  /** Resolves once the in-process network is intercepting (every registration waits for it too). */
  readonly ready: Promise<void>;
  /** Stops intercepting and closes the emulator. */
  close(): Promise<void>;
}

export interface MockRegistration {
  type: string;
  name: string;
  /** Undefined in preview (unknown) and for components. */
  id: string | undefined;
  /** The outputs returned to the program; in preview, the checked inputs. */
  state: Record<string, unknown>;
  /** Which of them the program sees as secret. */
  secrets: string[];
}

export interface ProgramResult {
  /** The exports: `{ value, secret }` each; `value` is undefined where unknown (preview) or failed. */
  outputs: Record<string, { value: unknown; secret: boolean }>;
  /** Every distinct failure: registrations the mocks rejected, and what they caused downstream. */
  errors: Error[];
}

let instances = 0;

/**
 * Pulumi mocks that behave like the cloud. For ChipCluster, ModelEndpoint and AgentRuntime:
 * - the provider's own `check` runs first; failures reject the registration with the text the
 *   engine prints for them (`<type> resource '<name>': property <path> value {…} has a problem: …`);
 * - in preview (`setMocks(…, preview = true)`) the checked inputs come back, as an engine preview
 *   returns them: the id and every cloud-computed output are unknown;
 * - otherwise the provider's own `create` runs against the emulator and its outputs come back:
 *   the cloud's id, status, urls, counts, `apiKey` and `secretEnv` marked secret (as
 *   `additionalSecretOutputs` makes them under the engine), any output whose input was secret too.
 * Properties the engine returns but the program never reads from our outputs (the `__`
 * bookkeeping: `__provider`, `__key`...) are left out: the SDK resolves such properties from the
 * inputs instead, so a resource shows the same values as under `pulumi up`.
 *
 * The provider's client is process-wide: one `agentCloudMocks()` at a time per process (close it
 * before making another), and do not point the provider at another cloud in the same test file.
 */
export function agentCloudMocks(options: AgentCloudMocksOptions = {}): AgentCloudMocks {
  const baseUrl = (options.baseUrl ?? `http://agentcloud-mocks-${++instances}.test`).replace(/\/+$/, "");
  const token = defaultDevToken;
  const emulator = createMockCloud({
    tokens: { [token]: defaultDevAccount },
    adminToken: defaultAdminToken,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.transitions ? { transitions: options.transitions } : {}),
    ...(options.seed ? { seed: options.seed } : {}),
  });
  if (options.now !== undefined) {
    const at = new Date(options.now).getTime();
    if (Number.isNaN(at)) throw new Error(`agentCloudMocks: now is not a date: ${String(options.now)}`);
    emulator.service.clock.advance(at - emulator.service.clock.now().getTime());
  }
  const network = import("../mock-cloud/http/msw-network.ts").then((m) =>
    m.mockCloudNetwork(emulator, baseUrl),
  );
  const ready = network.then(() => undefined);
  // Nobody may await `ready`: keep a failure to start for the first registration to report.
  ready.catch(() => undefined);
  const fallback = options.fallback ?? {};
  const resources: MockRegistration[] = [];
  const record = (args: MockResourceArgs, result: MockResourceResult): MockResourceResult => {
    const state = result.state ?? {};
    resources.push({
      type: args.type,
      name: args.name,
      id: result.id || undefined,
      state: Object.fromEntries(Object.entries(state).map(([k, v]) => [k, isSecretValue(v) ? v.value : v])),
      secrets: Object.keys(state).filter((k) => isSecretValue(state[k])),
    });
    return result;
  };

  async function api(method: string, path: string, body?: unknown) {
    const res = await emulator.fetch(
      new Request(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
      }),
    );
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async function answer(args: MockResourceArgs): Promise<MockResourceResult> {
    const kind = kindOfType.get(args.type);
    if (!kind) {
      if (fallback.newResource) return fallback.newResource(args);
      return { id: args.custom === false ? undefined : `${args.name}-id`, state: args.inputs };
    }
    await ready;
    const sdk = await pulumiSdk();
    const { value: news, secretKeys } = toWire(args.inputs, (v) => sdk.isUnknown(v));
    const h = handlers[kind];
    setConfig({ endpoint: baseUrl, token });
    const secret = new Set([...secretOutputs[kind], ...secretKeys]);

    if (args.id) {
      // A read (`opts.id`): what the provider's `read` reports for that id.
      if (sdk.runtime.isDryRun()) return { id: args.id, state: markSecrets(publicOutputs(news), secret) };
      const found = await h.read(args.id, news);
      if (!found.id) throw new Error(`${kind} ${args.id} does not exist`);
      return { id: found.id, state: markSecrets(publicOutputs(found.props), secret) };
    }

    const { inputs, failures } = await h.check({}, news);
    if (failures.length > 0) {
      throw new Error(
        failures
          .map((f) => checkFailureMessage(args.type, args.name, f, args.inputs, sdk.isUnknown))
          .join("\n"),
      );
    }
    // A preview hands back the checked inputs as the state: no id, the cloud's outputs unknown.
    if (sdk.runtime.isDryRun()) return { id: undefined, state: markSecrets(publicOutputs(inputs), secret) };
    const created = await h.create(inputs);
    return { id: created.id, state: markSecrets(publicOutputs(created.outs), secret) };
  }

  async function run(program: () => unknown): Promise<ProgramResult> {
    const sdk = await pulumiSdk();
    const errors: Error[] = [];
    const failed = (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      if (!errors.some((x) => x.message === err.message)) errors.push(err);
    };
    // The language host reports every unhandled rejection as the program's failure; so does this,
    // while the program runs, instead of the test runner's handlers.
    const saved = process.listeners("unhandledRejection");
    process.removeAllListeners("unhandledRejection");
    process.on("unhandledRejection", failed);
    const outputs: ProgramResult["outputs"] = {};
    try {
      const exported = await Promise.resolve(program()).catch((e) => {
        failed(e);
        return {};
      });
      for (const [k, v] of Object.entries((exported ?? {}) as Record<string, unknown>)) {
        outputs[k] = await exportOf(sdk, v).catch((e) => {
          failed(e);
          return { value: undefined, secret: false };
        });
      }
      // What the language host awaits before it ends a program; with an SDK without it, the ticks below do.
      await rpcsSettled();
      // Rejections are reported once the microtask queue drains.
      for (let i = 0; i < 3; i++) await new Promise((r) => setTimeout(r, 0));
    } finally {
      process.removeListener("unhandledRejection", failed);
      for (const l of saved) process.on("unhandledRejection", l);
    }
    return { outputs, errors };
  }

  const newResource = async (args: MockResourceArgs) => record(args, await answer(args));

  return {
    resources,
    cloud: {
      url: baseUrl,
      token,
      admin: new MockCloudAdmin(baseUrl, defaultAdminToken, emulator.fetch),
      api,
      emulator,
    },
    ready,
    newResource,
    run,
    call: (args: MockCallArgs) => (fallback.call ? fallback.call(args) : args.inputs),
    ...(fallback.registerTransform ? { registerTransform: fallback.registerTransform.bind(fallback) } : {}),
    ...(fallback.registerInvokeTransform
      ? { registerInvokeTransform: fallback.registerInvokeTransform.bind(fallback) }
      : {}),
    async close() {
      const net = await network.catch(() => null);
      await net?.close();
      emulator.close();
    },
  };
}

/** The caller's @pulumi/pulumi (a CommonJS module: its named exports live on `default` under ESM). */
async function pulumiSdk(): Promise<typeof pulumi> {
  const mod = await import("@pulumi/pulumi");
  return (mod as unknown as { default?: typeof pulumi }).default ?? (mod as unknown as typeof pulumi);
}

/** An export as the engine records it: an Output's value and secretness, anything else as it is. */
async function exportOf(sdk: typeof pulumi, v: unknown): Promise<{ value: unknown; secret: boolean }> {
  if (!sdk.Output.isInstance(v)) return { value: v, secret: false };
  // The SDK's own view of an Output (what it serializes into the stack's outputs).
  const { value, known, secret } = await outputState(v);
  return { value: known ? value : undefined, secret };
}

/**
 * The inputs as the engine hands them to a dynamic provider (it does not accept secrets): secrets
 * unwrapped, unknowns as the engine's sentinel. Returns which top-level inputs held a secret.
 */
function toWire(inputs: Props, isUnknown: (v: unknown) => boolean): { value: Props; secretKeys: string[] } {
  const secretKeys: string[] = [];
  const walk = (v: unknown, top?: string): unknown => {
    if (isUnknown(v)) return unknownValue;
    if (isSecretValue(v)) {
      if (top !== undefined) secretKeys.push(top);
      return walk(v.value);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x));
    if (v !== null && typeof v === "object") {
      const out: Props = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = walk(x);
      return out;
    }
    return v;
  };
  const value: Props = {};
  for (const [k, v] of Object.entries(inputs ?? {})) if (v !== undefined) value[k] = walk(v, k);
  return { value, secretKeys };
}

/** What a program reads from our outputs: the engine-only `__` properties left out (see above). */
function publicOutputs(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([k]) => !k.startsWith("__")));
}

function markSecrets(state: Props, keys: Set<string>): Props {
  const out: Props = { ...state };
  for (const k of keys) {
    if (k in out && out[k] !== undefined && !isSecretValue(out[k])) out[k] = secretValue(out[k]);
  }
  return out;
}
