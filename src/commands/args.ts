import { z } from "zod";
import type { CommandInput } from "./types.js";

const mention = z.object({ key: z.string(), openId: z.string(), name: z.string() });

/** The raw shape of a CommandInput, to build command schemas on. */
export const commandInput = z.object({
  positional: z.array(z.string()),
  options: z.record(z.string(), z.string()),
  mentions: z.array(mention),
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

/** Meeting ids as people type them: M12, m12. */
export const meetingId = z
  .string({ error: "缺少会议编号（如 M12）" })
  .regex(/^[Mm]\d{1,9}$/, "会议编号形如 M12")
  .transform((id) => id.toUpperCase());
