import { z } from "zod";
import { duesReminderCard, DUES_ACTIONS } from "../cards/dues.js";
import type { Branch } from "../db/models/branch.js";
import type { Due } from "../db/models/dues.js";
import { findMember } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { parseCategory, parseMonth, parseYuanToFen } from "../domain/duesRules.js";
import { applyDuesProfile, claimDuesPaid, memberNamed } from "../usecases/dues.js";
import { committeeBranchOf } from "./branchOf.js";
import { action } from "./types.js";

/** 我已缴纳 on the reminder DM (see claimDuesPaid). */
const claim = action({
  name: DUES_ACTIONS.claim,
  input: z.object({
    branchId: z.string().min(1),
    months: z.array(z.string().regex(/^\d{4}-\d{2}$/)).min(1, "卡片数据有误"),
  }),
  async run({ deps, action: click }, input) {
    const member = await findMember(deps.models, input.branchId, click.operatorOpenId);
    if (!member?.active) throw new UserError("你不是该支部的在册党员。");
    const result = await claimDuesPaid(deps, input.branchId, member, input.months);
    const branch = await deps.models.Branch.findById(input.branchId).lean<Branch>();
    const dues = await deps.models.Due.find({ branchId: input.branchId, openId: member.openId }).lean<
      Due[]
    >();
    const shown = dues.filter((d) => input.months.includes(d.month));
    return {
      toast: {
        type: "success",
        content: result.claimed.length > 0 ? "已提交，待书记确认" : "已提交过，待书记确认",
      },
      card: {
        type: "raw",
        data: duesReminderCard({
          branchId: input.branchId,
          branchName: branch?.name ?? "",
          months: shown.map((d) => ({ month: d.month, amountFen: d.amountFen })),
          claimed: true,
        }),
      },
    };
  },
});

/** The secretary's dues form (private chat): the same rules as `/党费 设置`. */
const setProfile = action({
  name: DUES_ACTIONS.set,
  input: z.object({
    member: z.string({ error: "请填写党员姓名" }).trim().min(1, "请填写党员姓名"),
    category: z.string({ error: "请选择类别" }).transform((word, ctx) => {
      const category = parseCategory(word);
      if (!category) ctx.addIssue({ code: "custom", message: "请选择类别" });
      return category ?? z.NEVER;
    }),
    amount: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (!text?.trim()) return null;
        const fen = parseYuanToFen(text);
        if (fen === null) ctx.addIssue({ code: "custom", message: "金额须为元，如 8500 或 0.5" });
        return fen ?? z.NEVER;
      }),
    from: z.string({ error: "请填写起始月份" }).transform((text, ctx) => {
      const month = parseMonth(text.trim());
      if (!month) ctx.addIssue({ code: "custom", message: "起始月份须为 YYYY-MM" });
      return month ?? z.NEVER;
    }),
    reason: z
      .string()
      .optional()
      .transform((v) => v?.trim() ?? ""),
  }),
  async run({ deps, action: click }, input) {
    const branch = await committeeBranchOf(deps, click, "抱歉，只有支部书记可以设置党费标准。", "secretary");
    const member = await memberNamed(deps, branch._id, input.member);
    const text = await applyDuesProfile(deps, member, {
      category: input.category,
      amountFen: input.amount,
      from: input.from,
      reason: input.reason,
      setBy: click.operatorOpenId,
    });
    return { toast: { type: "success", content: text } };
  },
});

export const duesActions = [claim, setProfile];
