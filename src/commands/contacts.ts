import { z } from "zod";
import type { Member } from "../db/models/member.js";
import { recordAwayContact } from "../domain/anniversaries.js";
import { UserError } from "../domain/errors.js";
import { AWAY_CONTACT_MONTHS } from "../../config/reminders.js";
import { DateTime } from "luxon";
import { commandInput } from "./args.js";
import { subcommand } from "./types.js";

/** `/党员 联系 @某人` or `/党员 联系 <姓名>` (a person on no chat has no mention). */
const contactArgs = commandInput.transform((input, ctx) => {
  const name = input.positional.join(" ").trim();
  if (input.mentions.length === 1 && !name) return { openId: input.mentions[0]!.openId, name: null };
  if (input.mentions.length === 0 && name && name.length <= 30) return { openId: null, name };
  ctx.addIssue({ code: "custom", message: "请 @ 一位外出党员，或写其姓名" });
  return z.NEVER;
});

/**
 * Records that the branch made contact with a member away (外出/流动): the away-contact
 * reminders count their months again from now. A subcommand of the 党员 family.
 */
export const contactSubcommand = subcommand({
  name: "contact",
  aliases: ["联系"],
  usage: ["/党员 联系 @某人|姓名", "/members contact @someone|name"],
  summary: `记录已与外出/流动党员取得联系（书记）：${AWAY_CONTACT_MONTHS} 个月后再提醒`,
  permission: "secretary",
  needsBranch: true,
  chat: "any",
  args: contactArgs,
  async run(ctx, args) {
    const { deps } = ctx;
    const branchId = ctx.branch!._id;
    let openId = args.openId;
    if (!openId) {
      const found = await deps.models.Member.find({ branchId, active: true, name: args.name! }).lean<
        Member[]
      >();
      if (found.length === 0) throw new UserError(`名册中没有名为「${args.name}」的在册党员。`);
      if (found.length > 1)
        throw new UserError(`名册中有 ${found.length} 人名为「${args.name}」，请 @ 其本人。`);
      openId = found[0]!.openId;
    }
    const now = deps.clock.now();
    await recordAwayContact(deps.models, branchId, openId, now);
    const member = await deps.models.Member.findOne({ branchId, openId }).lean<Member>();
    const next = DateTime.fromJSDate(now, { zone: deps.config.TZ })
      .plus({ months: AWAY_CONTACT_MONTHS })
      .toFormat("yyyy年M月d日");
    await ctx.replyText(`已记录与 ${member?.name || "该党员"} 的联系。下次联系提醒：${next}。`);
  },
});
