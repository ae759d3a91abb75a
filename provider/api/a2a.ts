/**
 * The A2A protocol (https://a2a-protocol.org) of an agent runtime whose `protocol` is `a2a`: its
 * agent card at `{invokeUrl}/.well-known/agent-card.json` (readable without a token) and JSON-RPC
 * 2.0 at `{invokeUrl}/a2a` (the account's bearer token). Both speak A2A 1.0 and, for a request
 * without an `A2A-Version` header (which A2A says means 0.3), A2A 0.3: 1.0's `SendMessage`,
 * `SendStreamingMessage` and `GetTask` (ProtoJSON: `TASK_STATE_COMPLETED`, `ROLE_USER`, members
 * for polymorphism), 0.3's `message/send`, `message/stream` and `tasks/get` (`completed`, `user`,
 * `kind`). Each message is a task of the runtime, the same as `POST {invokeUrl}/invocations` runs;
 * its answer is the task's artifact.
 */
import { z } from "zod";

/** The versions served: A2A 1.0, and 0.3 (what a request without `A2A-Version` speaks). */
const a2aVersions = ["1.0", "0.3"] as const;
export type A2aVersion = (typeof a2aVersions)[number];

/** `?A2A-Version=`: A2A lets a client name the version as a parameter instead of the header. */
export const A2aVersionQuery = z.object({
  "A2A-Version": z
    .string()
    .max(32)
    .optional()
    .describe("the A2A version, as the A2A-Version header says it (which wins): 1.0 or 0.3 (none: 0.3)"),
});

const Metadata = z.record(z.string(), z.unknown());

// What clients send (read leniently: A2A says unknown fields are ignored).

/** A 1.0 part: exactly one of text, raw (base64), url or data. The agent reads text. */
const PartIn = z.object({
  text: z.string().optional(),
  raw: z.string().optional(),
  url: z.string().optional(),
  data: z.unknown().optional(),
  metadata: Metadata.optional(),
  filename: z.string().optional(),
  mediaType: z.string().optional(),
});

/** A 1.0 message from the client. */
const MessageIn = z.object({
  messageId: z.string().min(1),
  contextId: z.string().optional(),
  taskId: z.string().optional(),
  role: z.union([z.literal("ROLE_USER"), z.literal(1)], { error: "must be ROLE_USER" }),
  parts: z.array(PartIn).min(1),
  metadata: Metadata.optional(),
  extensions: z.array(z.string()).optional(),
  referenceTaskIds: z.array(z.string()).optional(),
});

/** `SendMessage` and `SendStreamingMessage` params (A2A 1.0's SendMessageRequest). */
export const SendMessageParams = z.object({
  tenant: z.string().optional(),
  message: MessageIn,
  configuration: z
    .object({
      acceptedOutputModes: z.array(z.string()).optional(),
      taskPushNotificationConfig: z.unknown().optional(),
      historyLength: z.number().int().min(0).optional(),
      returnImmediately: z.boolean().optional(),
    })
    .optional(),
  metadata: Metadata.optional(),
});

/** `GetTask` params. */
export const GetTaskParams = z.object({
  tenant: z.string().optional(),
  id: z.string().min(1),
  historyLength: z.number().int().min(0).optional(),
});

/** A 0.3 part: text, file or data (`kind`). */
const LegacyPartIn = z.union([
  z.object({ kind: z.literal("text"), text: z.string(), metadata: Metadata.optional() }),
  z.object({ kind: z.enum(["file", "data"]) }),
]);

/** A 0.3 message from the client. */
const LegacyMessageIn = z.object({
  kind: z.literal("message").optional(),
  messageId: z.string().min(1),
  contextId: z.string().optional(),
  taskId: z.string().optional(),
  role: z.literal("user", { error: 'must be "user"' }),
  parts: z.array(LegacyPartIn).min(1),
  metadata: Metadata.optional(),
  extensions: z.array(z.string()).optional(),
  referenceTaskIds: z.array(z.string()).optional(),
});

/** `message/send` and `message/stream` params (A2A 0.3's MessageSendParams). */
export const LegacySendMessageParams = z.object({
  message: LegacyMessageIn,
  configuration: z
    .object({
      acceptedOutputModes: z.array(z.string()).optional(),
      blocking: z.boolean().optional(),
      historyLength: z.number().int().min(0).optional(),
      pushNotificationConfig: z.unknown().optional(),
    })
    .optional(),
  metadata: Metadata.optional(),
});

/** `tasks/get` params (A2A 0.3's TaskQueryParams). */
export const LegacyGetTaskParams = z.object({
  id: z.string().min(1),
  historyLength: z.number().int().min(0).optional(),
  metadata: Metadata.optional(),
});

const JsonRpcId = z.union([z.string(), z.number(), z.null()]);

/** Body of `POST {invokeUrl}/a2a`: a JSON-RPC 2.0 request (one; batches are not served). */
export const JsonRpcRequest = z.object({
  jsonrpc: z.literal("2.0"),
  id: JsonRpcId,
  method: z
    .string()
    .describe(
      "1.0 (A2A-Version: 1.0): SendMessage, SendStreamingMessage (server-sent events), GetTask; 0.3 (no A2A-Version): message/send, message/stream, tasks/get",
    ),
  params: z.unknown().optional().describe("the method's parameters (an object)"),
});

// What the agent answers.

/** What the emulator adds to every task it answers with: where its model call went, or why it failed. */
const TaskMetadata = z.object({
  agentcloud: z.object({
    runtimeId: z.string(),
    routedTo: z.string().nullable(),
    hops: z.string(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
});
export type A2aTaskMetadata = z.infer<typeof TaskMetadata>;

const Part = z.object({ text: z.string(), mediaType: z.literal("text/plain") });
const Message = z.object({
  messageId: z.string(),
  contextId: z.string(),
  taskId: z.string(),
  role: z.enum(["ROLE_USER", "ROLE_AGENT"]),
  parts: z.array(Part),
});
const Artifact = z.object({ artifactId: z.string(), name: z.string(), parts: z.array(Part) });

/** An A2A 1.0 task: working, completed (the answer, an artifact) or failed (why, in its status). */
const A2aTask = z.object({
  id: z.string(),
  contextId: z.string(),
  status: z.object({
    state: z.enum(["TASK_STATE_WORKING", "TASK_STATE_COMPLETED", "TASK_STATE_FAILED"]),
    message: Message.optional(),
    timestamp: z.string(),
  }),
  artifacts: z.array(Artifact).optional(),
  history: z.array(Message).optional(),
  metadata: TaskMetadata,
});

const LegacyPart = z.object({ kind: z.literal("text"), text: z.string() });
const LegacyMessage = z.object({
  kind: z.literal("message"),
  messageId: z.string(),
  contextId: z.string(),
  taskId: z.string(),
  role: z.enum(["user", "agent"]),
  parts: z.array(LegacyPart),
});
const LegacyArtifact = z.object({ artifactId: z.string(), name: z.string(), parts: z.array(LegacyPart) });

/** The same task in A2A 0.3's shape. */
const LegacyA2aTask = z.object({
  kind: z.literal("task"),
  id: z.string(),
  contextId: z.string(),
  status: z.object({
    state: z.enum(["working", "completed", "failed"]),
    message: LegacyMessage.optional(),
    timestamp: z.string(),
  }),
  artifacts: z.array(LegacyArtifact).optional(),
  history: z.array(LegacyMessage).optional(),
  metadata: TaskMetadata,
});

/**
 * A JSON-RPC answer: a result (1.0's SendMessage `{ task }`, its GetTask's task; 0.3's task), or an
 * error: -32700 not JSON, -32600 not a JSON-RPC request, -32601 no such method (in the requested
 * version), -32602 invalid params, -32603 internal, and A2A's -32001 task not found, -32003 push
 * notifications not supported, -32004 unsupported operation, -32005 content type not supported,
 * -32009 version not supported. `error.data`: google.rpc details (`@type`), as A2A 1.0 has them.
 */
export const JsonRpcAnswer = z.union([
  z.object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId,
    result: z.union([z.object({ task: A2aTask }), A2aTask, LegacyA2aTask]),
  }),
  z.object({
    jsonrpc: z.literal("2.0"),
    id: JsonRpcId,
    error: z.object({
      code: z.number().int(),
      message: z.string(),
      data: z.array(z.object({ "@type": z.string() }).catchall(z.unknown())).optional(),
    }),
  }),
]);

const AgentInterface = z.object({
  url: z.string(),
  protocolBinding: z.literal("JSONRPC"),
  protocolVersion: z.enum(a2aVersions),
});

/** A2A 1.0's agent card (ProtoJSON). */
const AgentCard = z.object({
  name: z.string(),
  description: z.string(),
  supportedInterfaces: z.array(AgentInterface),
  version: z.string(),
  capabilities: z.object({
    streaming: z.boolean(),
    pushNotifications: z.boolean(),
    extendedAgentCard: z.boolean(),
  }),
  securitySchemes: z.record(
    z.string(),
    z.object({ httpAuthSecurityScheme: z.object({ scheme: z.string(), description: z.string() }) }),
  ),
  securityRequirements: z.array(
    z.object({ schemes: z.record(z.string(), z.object({ list: z.array(z.string()) })) }),
  ),
  defaultInputModes: z.array(z.string()),
  defaultOutputModes: z.array(z.string()),
  skills: z.array(
    z.object({ id: z.string(), name: z.string(), description: z.string(), tags: z.array(z.string()) }),
  ),
});
export type AgentCard = z.infer<typeof AgentCard>;

/** A2A 0.3's agent card, with 1.0's `supportedInterfaces` beside (as the A2A SDKs serve one). */
const LegacyAgentCard = z.object({
  protocolVersion: z.string(),
  name: z.string(),
  description: z.string(),
  url: z.string(),
  preferredTransport: z.literal("JSONRPC"),
  version: z.string(),
  capabilities: z.object({
    streaming: z.boolean(),
    pushNotifications: z.boolean(),
    stateTransitionHistory: z.boolean(),
  }),
  securitySchemes: z.record(
    z.string(),
    z.object({ type: z.literal("http"), scheme: z.string(), description: z.string() }),
  ),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  defaultInputModes: z.array(z.string()),
  defaultOutputModes: z.array(z.string()),
  skills: z.array(
    z.object({ id: z.string(), name: z.string(), description: z.string(), tags: z.array(z.string()) }),
  ),
  supportedInterfaces: z.array(AgentInterface),
});
export type LegacyAgentCard = z.infer<typeof LegacyAgentCard>;

/** `GET {invokeUrl}/.well-known/agent-card.json`: 1.0's card, or 0.3's for a request without `A2A-Version`. */
export const AgentCardAnswer = z.union([AgentCard, LegacyAgentCard]);
