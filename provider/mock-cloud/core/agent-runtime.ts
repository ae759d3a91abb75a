import { agentRuntimeApi, agentRuntimeCreateOnly } from "../../api/agent-runtime.ts";
import { secretEnvDigest } from "../../api/canonical.ts";
import { invalid } from "../errors.ts";
import { findPython } from "../sandbox/python.ts";
import { type Body, type Ctx, checkCountQuota, checkCreateOnly, type KindModel } from "./model.ts";

function checkReferences(ctx: Ctx, spec: Record<string, unknown>, self?: string): void {
  const issues: { path: string; message: string }[] = [];
  const models = (spec.models ?? []) as { endpointId: string }[];
  models.forEach((m, i) => {
    if (!ctx.repo.getResource(ctx.account, "ModelEndpoint", m.endpointId)) {
      issues.push({ path: `models[${i}].endpointId`, message: `endpoint ${m.endpointId} does not exist` });
    }
  });
  const channels = (spec.channels ?? []) as { peerRuntimeId: string }[];
  channels.forEach((c, i) => {
    if (c.peerRuntimeId === self || !ctx.repo.getResource(ctx.account, "AgentRuntime", c.peerRuntimeId)) {
      issues.push({
        path: `channels[${i}].peerRuntimeId`,
        message: `runtime ${c.peerRuntimeId} does not exist`,
      });
    }
  });
  if (issues.length > 0) invalid(issues);
}

/**
 * A Python code artifact the emulator would run (a `file://` folder) needs a Python on its host:
 * without one, the create or update is refused at `artifact.code.runtime` rather than every task
 * failing. An artifact elsewhere (`oss://`, `s3://`) never runs here, so it is accepted as it is.
 */
function checkRunnable(artifact: unknown): void {
  const code = (artifact as { code?: { uri: string; runtime: string } } | undefined)?.code;
  if (!code?.runtime.startsWith("python") || !code.uri.startsWith("file://")) return;
  const found = findPython(code.runtime);
  if ("missing" in found) invalid([{ path: "artifact.code.runtime", message: found.missing }]);
}

function view(body: Body, secret: Record<string, string>): Body {
  return {
    ...body,
    secretEnvKeys: Object.keys(secret).sort(),
    secretEnvDigest: secretEnvDigest(secret),
    activeInstances: (body.scaling as { minInstances: number }).minInstances,
  };
}

export const agentRuntimeModel: KindModel = {
  ...agentRuntimeApi,

  checkCreate(ctx, spec) {
    const region = String(spec.region);
    checkCountQuota(ctx, "AgentRuntime", region, ctx.limits.runtimesPerRegion, "agent runtimes");
    checkReferences(ctx, spec);
    checkRunnable(spec.artifact);
  },

  checkUpdate(ctx, current, patch) {
    checkCreateOnly(agentRuntimeCreateOnly, current.body, patch);
    checkReferences(ctx, patch, current.id);
    if (patch.artifact !== undefined) checkRunnable(patch.artifact);
  },

  build(ctx, id, spec) {
    const now = ctx.now.toISOString();
    const { secretEnv, ...rest } = spec as Record<string, unknown> & { secretEnv?: Record<string, string> };
    const secret = secretEnv ?? {};
    const body = view(
      {
        ...rest,
        id,
        kind: "AgentRuntime",
        status: "CREATING",
        statusReason: null,
        invokeUrl: `${ctx.baseUrl}/agents/${id}/invoke`,
        version: 1,
        etag: "",
        createdAt: now,
        updatedAt: now,
      } as unknown as Body,
      secret,
    );
    return { body, secret };
  },

  applyPatch(_ctx, current, patch) {
    const { secretEnv, ...rest } = patch as Record<string, unknown> & { secretEnv?: Record<string, string> };
    const secret = secretEnv ?? current.secret ?? {};
    const body = view(
      { ...current.body, ...rest, version: Number(current.body.version) + 1 } as Body,
      secret,
    );
    return { body, secret };
  },

  derive: (body) => body,

  dependents(ctx, r) {
    return ctx.repo
      .allResources(ctx.account, "AgentRuntime")
      .filter((a) => (a.body.channels as { peerRuntimeId: string }[]).some((c) => c.peerRuntimeId === r.id))
      .map((a) => a.id);
  },
};
