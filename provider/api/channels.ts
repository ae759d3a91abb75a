/**
 * Channels between agent runtimes, with the account's token: a runtime publishes to a peer its spec's
 * `channels` declare (`POST {invokeUrl}/channels/{peerRuntimeId}/messages`; another peer: 409
 * Conflict) and reads its own inbox. Delivery is at least once: `POST {invokeUrl}/inbox/receive`
 * leases messages for a visibility timeout (emulator clock); a message not acked
 * (`POST {invokeUrl}/inbox/messages/{messageId}/ack`) before its lease ends is delivered again, and
 * after `maxDeliveries` deliveries it is a dead letter (`GET {invokeUrl}/inbox/dead-letters`)
 * instead. Messages with the same `key` are delivered in the order they were published, one at a
 * time (a later one waits while an earlier one is in flight); messages without a key in no
 * promised order. `GET {invokeUrl}/inbox` gives the depth. Each runtime's inbox is its own.
 */
import { z } from "zod";
import { page, pageQueryFields, Timestamp } from "./common.ts";

/** Deliveries of a message before it is a dead letter instead of being delivered again. */
export const maxDeliveries = 5;
/** A receive's lease when it names none, in seconds (emulator clock). */
export const defaultVisibilitySeconds = 30;
/** The longest lease a receive can ask for, in seconds: 12 hours. */
const maxVisibilitySeconds = 43_200;
/** The most messages one receive answers. */
const maxReceiveMessages = 100;
/** A receive's messages when it names no number. */
export const defaultReceiveMessages = 10;

/** A message's ordering key: 1–256 characters, no control characters. */
const ChannelKey = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\p{Cc}]+$/u, "must not hold control characters");

/** Body of `POST {invokeUrl}/channels/{peerRuntimeId}/messages` (at most 256 KiB in all). */
export const ChannelPublishRequest = z.strictObject({
  /** Any JSON value (null too). */
  body: z.unknown(),
  /** Messages of one key are delivered in the order published, one at a time. */
  key: ChannelKey.optional(),
});

/** Where a message is: waiting for a receive, leased to one, or a dead letter. */
const MessageState = z.enum(["ready", "inFlight", "deadLetter"]);

/** A message, as published, received or listed. */
export const ChannelMessage = z.object({
  /** `msg-<hex>`. */
  id: z.string(),
  /** The runtime that published it. */
  from: z.string(),
  /** The runtime whose inbox holds it. */
  to: z.string(),
  key: z.string().nullable(),
  body: z.unknown(),
  /** Bytes of the body as JSON. */
  bytes: z.number().int(),
  state: MessageState,
  /** Deliveries so far (a receive that leased it): 1 on its first. */
  attempts: z.number().int(),
  enqueuedAt: Timestamp,
  /** When a receive can have it: in flight, when its lease ends; ready, since when. */
  visibleAt: Timestamp,
  /** The lease of this delivery, to ack with: only on a message in flight, as its receive answers it. */
  receipt: z.string().nullable(),
  /** When it became a dead letter: the end of its last lease. */
  deadLetteredAt: Timestamp.nullable(),
});
export type ChannelMessage = z.infer<typeof ChannelMessage>;

/** Body of `POST {invokeUrl}/inbox/receive` (none: the defaults). */
export const ChannelReceiveRequest = z.strictObject({
  /** At most this many messages (default 10). */
  maxMessages: z.number().int().min(1).max(maxReceiveMessages).optional(),
  /** How long the lease lasts before the message is delivered again (default 30 s, emulator clock). */
  visibilityTimeoutSeconds: z.number().int().min(1).max(maxVisibilitySeconds).optional(),
});

/** The answer to a receive: the messages leased, oldest first (none: the inbox has nothing to deliver now). */
export const ChannelReceived = z.object({ items: z.array(ChannelMessage) });

/** Body of `POST {invokeUrl}/inbox/messages/{messageId}/ack`. */
export const ChannelAckRequest = z.strictObject({
  /** The receipt of the delivery being acked: one of an earlier, ended lease is 409 Conflict. */
  receipt: z.string().min(1).max(256).optional(),
});

/** The answer to an ack: the message is gone from the inbox. */
export const ChannelAcked = z.object({ id: z.string(), acked: z.literal(true) });

/** A runtime's inbox: how many messages wait, are in flight and are dead letters, and how old the oldest is. */
export const ChannelInbox = z.object({
  runtimeId: z.string(),
  ready: z.number().int(),
  inFlight: z.number().int(),
  deadLetters: z.number().int(),
  /** The oldest message ready or in flight: when it was published, and its age (emulator clock); null when none. */
  oldestEnqueuedAt: Timestamp.nullable(),
  oldestAgeSeconds: z.number().nullable(),
  /** The peers this runtime may publish to (its spec's `channels`). */
  peers: z.array(z.string()),
  maxDeliveries: z.number().int(),
  defaultVisibilityTimeoutSeconds: z.number().int(),
});

export const ChannelDeadLetterPage = page(ChannelMessage);

export const ChannelDeadLettersQuery = z.object(pageQueryFields("dead letters", "runtime"));
