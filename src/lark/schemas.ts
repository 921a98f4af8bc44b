/**
 * The shapes of what Lark sends, checked with zod before anything reads them (the edge of the
 * bot). A decrypted, signed body is still only trusted as far as these schemas go: ids are
 * strings of Lark's documented shape (open_id `ou_…`, chat_id `oc_…`, message_id `om_…`), so an
 * object or array never reaches a database filter; `mentions` is an array of objects. Unknown
 * fields are kept out of the parsed value (zod strips them).
 *
 * The input is the object the SDK dispatcher hands to a handler: `header` and `event` of a
 * schema 2.0 body merged into one object (event fields win, e.g. the card callback's `token`).
 */
import { z } from "zod";

/** Lark ids: a prefix, then letters, digits, `_` or `-` (at most 128 characters in all). */
const larkId = (prefix: string) => z.string().regex(new RegExp(`^${prefix}[A-Za-z0-9_-]{1,124}$`));

export const openIdSchema = larkId("ou_");
export const chatIdSchema = larkId("oc_");
export const messageIdSchema = larkId("om_");
/** event_id: 32 hex characters in practice; any short token of word characters is accepted. */
export const eventIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);

/** Optional string that may also be absent or empty (Lark sends "" for ids it does not have). */
const optionalText = z.string().max(100_000).optional();

const mentionSchema = z.object({
  key: z.string().min(1).max(64),
  // @所有人 carries no open_id; such mentions are dropped after parsing.
  id: z.object({ open_id: z.union([openIdSchema, z.literal("")]).optional() }).optional(),
  name: z.string().max(256).optional(),
});

export const messageEventSchema = z.object({
  event_id: eventIdSchema.optional(),
  app_id: z.string().max(64).optional(),
  sender: z
    .object({
      sender_id: z.object({ open_id: z.union([openIdSchema, z.literal("")]).optional() }).optional(),
      sender_type: z.string().max(32).optional(),
    })
    .optional(),
  message: z.object({
    message_id: messageIdSchema,
    chat_id: chatIdSchema,
    chat_type: z.string().max(32).optional(),
    message_type: z.string().max(32).optional(),
    content: optionalText,
    create_time: z
      .string()
      .regex(/^\d{1,16}$/)
      .optional(),
    mentions: z.array(mentionSchema).max(200).optional(),
  }),
});

export type MessageEvent = z.infer<typeof messageEventSchema>;

/**
 * The content of a `file` message: `{file_key, file_name}`. The key goes into a download path,
 * so it is held to Lark's shape (`file_v2_…`: letters, digits, `_` and `-`).
 */
export const fileContentSchema = z.object({
  file_key: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
  file_name: z.string().min(1).max(255),
});

/** JSON values Lark echoes back from a card: `action.value` and `action.form_value` objects. */
const jsonRecord = z.record(z.string(), z.unknown());

export const cardActionSchema = z.object({
  event_id: eventIdSchema,
  app_id: z.string().max(64).optional(),
  operator: z.object({ open_id: openIdSchema }),
  token: z.string().max(256).optional(),
  action: z
    .object({
      value: z.unknown().optional(),
      form_value: z.unknown().optional(),
    })
    .optional(),
  context: z
    .object({
      open_message_id: z.union([messageIdSchema, z.literal("")]).optional(),
      open_chat_id: z.union([chatIdSchema, z.literal("")]).optional(),
    })
    .optional(),
});

export type CardActionEvent = z.infer<typeof cardActionSchema>;

/** `action.value` / `action.form_value` as an object; anything else (array, string, null) → {}. */
export function recordOrEmpty(value: unknown): Record<string, unknown> {
  const parsed = jsonRecord.safeParse(value);
  return parsed.success && !Array.isArray(value) ? parsed.data : {};
}
