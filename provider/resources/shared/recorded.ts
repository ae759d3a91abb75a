import * as pulumi from "@pulumi/pulumi";
import { collectionOf, type ResourceKind } from "../../api/common.ts";
import { AgentCloudClient } from "../../client/client.ts";
import { atProgramEnd, keepProgramOpen, outputValue, runByLanguageHost } from "./sdk-internals.ts";

/**
 * The program's half of crash-safe creates (provider/runtime/identity.ts). A create never releases
 * its key: the provider cannot know when the engine has recorded the resource, and a provider that
 * outlives its killed engine would release keys of resources no state holds (the next `up` would
 * then make a second one). The program can know: the engine saves a step's result in the state
 * before it answers the program's RegisterResource, so a resource's outputs reach the program only
 * once it is recorded. Then the program releases the key, in batches, and the next replacement of
 * the resource (`up --replace`, a create-only change) is a new resource, never this one.
 *
 * Not in previews (nothing is created), and not with PULUMI_SKIP_CHECKPOINTS (the state is saved
 * only at the end, so outputs arrive before the record): there a key waits for the next diff or
 * update of its resource, which run after the record.
 */
export function releaseWhenRecorded(resource: pulumi.CustomResource): void {
  if (pulumi.runtime.isDryRun() || skipsCheckpoints()) return;
  const outs = resource as unknown as Record<
    "urn" | "__key" | "__released",
    pulumi.Output<unknown> | undefined
  >;
  if (!outs.__key || !outs.__released) return;
  // Keeps the program (and with it the engine's update) open until the release went out.
  const done = keepProgramOpen();
  Promise.all([settled(outs.urn), settled(outs.__key), settled(outs.__released)])
    // State records `__released: true` only after an update released the key; otherwise it may be held.
    .then(([, key, released]) => (typeof key === "string" && released !== true ? release(key) : undefined))
    .catch(() => undefined)
    .finally(done);
}

const skipsCheckpoints = () => /^(1|true|yes)$/i.test(process.env.PULUMI_SKIP_CHECKPOINTS ?? "");

/** An output's value once the engine has answered (rejects when the resource failed). */
function settled(o: pulumi.Output<unknown> | undefined): Promise<unknown> {
  return o ? outputValue(o) : Promise.resolve(undefined);
}

/** Keys that wait for the next batch, each with the callers to answer. */
let batch: { keys: Map<string, Array<() => void>>; timer: NodeJS.Timeout } | null = null;
const batchMs = 20;
const batchMax = 500;

function release(key: string): Promise<void> {
  return new Promise((resolve) => {
    batch ??= { keys: new Map(), timer: setTimeout(() => void flush(), batchMs) };
    batch.keys.set(key, [...(batch.keys.get(key) ?? []), resolve]);
    if (batch.keys.size >= batchMax) void flush();
  });
}

async function flush(): Promise<void> {
  const current = batch;
  if (!current) return;
  batch = null;
  clearTimeout(current.timer);
  try {
    // A client per batch, closed after it: an idle keep-alive socket would hold the program open.
    const client = clientOf();
    if (!client) return;
    try {
      await client.idempotencyKeys().releaseMany([...current.keys.keys()], Date.now() + 30_000);
    } finally {
      await client.close();
    }
  } catch (e) {
    // The key stays held: the resource's next diff or update releases it. Never a duplicate.
    const code = (e as { code?: unknown }).code;
    void pulumi.log.warn(
      `pulumi-agentcloud: the create keys of ${current.keys.size} recorded resource(s) were not released (${typeof code === "string" ? code : "error"}); the next \`pulumi up\` releases them`,
    );
  } finally {
    for (const waiters of current.keys.values()) for (const w of waiters) w();
  }
}

/**
 * The program's other half: creates a killed `pulumi up` made for resources the program no longer
 * declares. Such a create is in no state (the engine never recorded it) and no later create adopts
 * it (nothing declares it): it would stay in the cloud forever. The program knows what it declares,
 * and each create key names the resource it was made for (X-Agentcloud-Owner). When the program has
 * run to its end (`beforeExit` of the Node language host, before it tells the engine it is done),
 * the keys of this stack that nobody released and whose resource the program does not declare are
 * deleted in an `up`, and named in a preview. Not in Automation API inline programs (their process
 * does not end) nor under mocks; not when the program failed (what it declares is then unknown).
 */
const declared = new Set<string>();
let armed = false;

export function noteDeclared(scope: string): void {
  declared.add(scope);
  if (armed || !runByLanguageHost()) return;
  armed = true;
  atProgramEnd(sweep);
}

async function sweep(): Promise<void> {
  const client = clientOf();
  if (!client) return;
  const stack = `${pulumi.getProject()}/${pulumi.getStack()}/`;
  try {
    const keys = await client.idempotencyKeys().list(false, Date.now() + 30_000);
    const orphans = keys.filter((k) => k.owner?.startsWith(stack) && !declared.has(k.owner));
    for (const k of orphans) {
      const name = k.owner?.slice(stack.length);
      if (pulumi.runtime.isDryRun()) {
        await pulumi.log.warn(
          `pulumi-agentcloud: ${k.kind} ${k.resourceId} was made for "${name}" by an interrupted \`pulumi up\` and is in no stack; the program no longer declares it, so \`pulumi up\` deletes it`,
        );
        continue;
      }
      const res = await client.transport.call(
        "DELETE",
        `/v1/${collectionOf[k.kind as ResourceKind]}/${encodeURIComponent(k.resourceId)}`,
        {
          deadline: Date.now() + 30_000,
          accept: [404],
        },
      );
      if (res.status !== 404)
        await pulumi.log.info(
          `pulumi-agentcloud: deleted ${k.kind} ${k.resourceId}: made for "${name}" by an interrupted \`pulumi up\`, in no stack, and no longer declared`,
        );
    }
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    await pulumi.log.warn(
      `pulumi-agentcloud: could not look for creates an interrupted run left (${typeof code === "string" ? code : "error"})`,
    );
  } finally {
    await client.close();
  }
}

function clientOf(): AgentCloudClient | null {
  const endpoint = pulumi.runtime.getConfig("agentcloud:endpoint") ?? process.env.AGENTCLOUD_ENDPOINT;
  const token = pulumi.runtime.getConfig("agentcloud:token") ?? process.env.AGENTCLOUD_TOKEN;
  return endpoint && token ? new AgentCloudClient({ endpoint, token, concurrency: 1 }) : null;
}
