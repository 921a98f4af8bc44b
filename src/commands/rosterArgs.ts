import { UserError } from "../domain/errors.js";
import type { Member } from "../db/models/member.js";
import { findMember } from "../domain/branches.js";
import { memberByName } from "../domain/roster.js";
import { z } from "zod";
import { commandInput, type ParsedInput } from "./args.js";
import type { CommandContext } from "./types.js";

/** Who a roster command is about: someone @-mentioned, or a name (people on no chat have no @). */
export type Target = { openId: string; name: string } | { byName: string };

export const STATUS_LIST =
  "正式党员/正式、预备党员/预备、发展对象、入党积极分子/积极分子、入党申请人/申请人、群众/其他";
export const isDay = (word: string) => /^\d{4}-\d{1,2}-\d{1,2}$/.test(word);

/** Splits off the target: the first mention, else the first word as a name. */
export function targetOf(input: ParsedInput): { target: Target | null; words: string[] } {
  if (input.mentions.length > 0) return { target: input.mentions[0]!, words: [...input.positional] };
  const [name, ...words] = input.positional;
  return { target: name ? { byName: name } : null, words };
}

export async function resolve(ctx: CommandContext, target: Target): Promise<Member> {
  const branchId = ctx.branch!._id;
  if ("byName" in target) return memberByName(ctx.deps.models, branchId, target.byName);
  const member = await findMember(ctx.deps.models, branchId, target.openId);
  if (!member?.active)
    throw new UserError(`${target.name || "此人"} 不是本支部的在册党员，请先 /党员 同步。`);
  return member;
}

export const display = (member: Member) => member.name || member.openId;

export const targetIssue = "请 @ 一位党员，或写无飞书账号者的姓名";

/** Arguments naming exactly one person (@mention or name) and nothing else. */
export const oneTarget = commandInput.transform((input, ctx) => {
  const { target, words } = targetOf(input);
  if (!target || words.length > 0) {
    ctx.addIssue({ code: "custom", message: targetIssue });
    return z.NEVER;
  }
  return { target };
});
