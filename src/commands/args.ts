import { z } from "zod";
import type { CommandInput } from "./types.js";

const mention = z.object({ key: z.string(), openId: z.string(), name: z.string() });

/** The raw shape of a CommandInput, to build command schemas on. */
export const commandInput = z.object({
  positional: z.array(z.string()),
  options: z.record(z.string(), z.string()),
  mentions: z.array(mention),
  labelled: z.record(z.string(), mention),
  rest: z.string(),
});

/** Commands that take nothing. */
export const noArguments = commandInput.refine(
  (input) => input.positional.length === 0 && input.mentions.length === 0,
  "此命令不需要参数",
);

/** Looks an option up by any of its names (地点 / place). */
export function option(input: CommandInput, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = input.options[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A parsed CommandInput (what a command schema's transform receives). */
export type ParsedInput = z.output<typeof commandInput>;

/**
 * Record ids as people type them: a letter and a number, either case (M12, m12), read upper-case.
 * `label` names the record in messages: 缺少会议编号（如 M12） / 会议编号形如 M12.
 */
export function recordId(label: string, letter: string, example: number) {
  const upper = letter.toUpperCase();
  const sample = `${upper}${example}`;
  return z
    .string({ error: `缺少${label}编号（如 ${sample}）` })
    .regex(new RegExp(`^[${upper}${letter.toLowerCase()}]\\d{1,9}$`), `${label}编号形如 ${sample}`)
    .transform((id) => id.toUpperCase());
}

/** A schema for a record id (see recordId): a string in, the normalised id out. */
export type IdSchema = z.ZodType<string, string>;

/**
 * `<编号> …`: the first word is a record id, parsed with `id` (its message when missing or
 * malformed); `build` makes the arguments from the id and the input. With `alone` set, nothing
 * may follow the id, and `alone` is the message when something does.
 */
export function idArgs<T>(id: IdSchema, build: (id: string, input: ParsedInput) => T, alone?: string) {
  return commandInput.transform((input, ctx) => {
    const parsed = id.safeParse(input.positional[0]);
    if (!parsed.success) {
      ctx.addIssue({ code: "custom", message: parsed.error.issues[0]!.message });
      return z.NEVER;
    }
    if (alone !== undefined && input.positional.length > 1) {
      ctx.addIssue({ code: "custom", message: alone });
      return z.NEVER;
    }
    return build(parsed.data, input);
  });
}

/** `<编号>` alone: `{ [key]: id }`; `alone` is the message when more words follow. */
export function idOnly<K extends string>(id: IdSchema, key: K, alone: string) {
  return idArgs(id, (parsed) => ({ [key]: parsed }) as Record<K, string>, alone);
}

/** Meeting ids as people type them: M12, m12. */
export const meetingId = recordId("会议", "M", 12);
