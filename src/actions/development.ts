import { z } from "zod";
import { DEVELOPMENT_FORM_LIMITS } from "../cards/development.js";
import { DEVELOPMENT_ACTIONS } from "../cards/types.js";
import { DEVELOPMENT_STEPS } from "../db/models/development.js";
import type { AppDeps } from "../deps.js";
import { UserError } from "../domain/errors.js";
import { parseDay } from "../domain/roster.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { CardAction } from "../lark/types.js";
import {
  pipelineMember,
  recordDevelopmentStep,
  recordedCard,
  stepFormCard,
} from "../usecases/development.js";
import { committeeBranchOf } from "./branchOf.js";
import { action } from "./types.js";

/** The buttons of the 发展党员 timeline and the step forms (secretaries of the person's branch). */

const target = {
  branchId: z.string().min(1, "卡片数据有误"),
  openId: z.string().min(1, "卡片数据有误"),
  step: z.enum(DEVELOPMENT_STEPS, { error: "卡片数据有误" }),
};

/** The branch the card is about, provided the operator is its secretary here. */
async function secretaryBranch(deps: AppDeps, click: CardAction, branchId: string) {
  const branch = await committeeBranchOf(
    deps,
    click,
    "抱歉，只有支部书记可以登记发展党员步骤。",
    "secretary",
  );
  if (branch._id !== branchId) throw new UserError("此卡片属于另一个支部，请在该支部重新发送命令。");
  return branch;
}

const openForm = action({
  name: DEVELOPMENT_ACTIONS.form,
  input: z.object(target),
  async run(ctx, input) {
    const { deps, action: click } = ctx;
    await secretaryBranch(deps, click, input.branchId);
    const member = await pipelineMember(deps, input.branchId, input.openId);
    const card = (await stepFormCard(deps, member, input.step))!;
    // One form per timeline card and step, however often the button is pressed.
    await enqueueMessage(deps.models, deps.clock, {
      key: `dev-form:${click.messageId}:${input.openId}:${input.step}`,
      branchId: input.branchId,
      target: { chatId: click.chatId },
      replyTo: click.messageId,
      content: { card },
      description: `发展党员登记表 ${member.name}`,
    });
    deps.delivery.wake();
    return { toast: { type: "success", content: "已发送登记表" } };
  },
});

/** Lark sends a picked day with the user's offset ("2026-11-24 +0800"); the day is what counts. */
const day = z
  .string({ error: "请选择日期" })
  .transform((v) => v.trim().split(/\s+/)[0] ?? "")
  .refine((v) => /^\d{4}-\d{1,2}-\d{1,2}$/.test(v), "请选择日期");
const text = (max: number, label: string) =>
  z
    .string()
    .max(max, `${label}不能超过 ${max} 字`)
    .optional()
    .transform((v) => v?.trim() || undefined);
const count = (label: string) =>
  z
    .string()
    .optional()
    .transform((v) => v?.trim() || undefined)
    .refine((v) => v === undefined || /^\d{1,4}$/.test(v), `${label}须为整数`)
    .transform((v) => (v === undefined ? null : Number(v)));
const person = z
  .string()
  .optional()
  .transform((v) => v?.trim() || undefined);

const record = action({
  name: DEVELOPMENT_ACTIONS.record,
  input: z.object({
    ...target,
    date: day,
    contact1: person,
    contact2: person,
    days: count("天数"),
    hours: count("学时"),
    months: count("月数"),
    result: z.enum(["passed", "failed"]).optional(),
    notes: text(DEVELOPMENT_FORM_LIMITS.notes, "备注"),
    documents: text(DEVELOPMENT_FORM_LIMITS.documents, "材料"),
    reason: text(DEVELOPMENT_FORM_LIMITS.reason, "破例理由"),
  }),
  async run(ctx, input) {
    const { deps, action: click } = ctx;
    await secretaryBranch(deps, click, input.branchId);
    const member = await pipelineMember(deps, input.branchId, input.openId);
    const date = parseDay(input.date, deps.config.TZ);
    if (!date) throw new UserError("请选择有效的日期");
    const decided = input.step === "meeting" || input.step === "approval";
    const { result, lines } = await recordDevelopmentStep(deps, member, {
      by: click.operatorOpenId,
      step: input.step,
      date,
      contacts: [...new Set([input.contact1, input.contact2].filter((c): c is string => Boolean(c)))],
      days: input.days,
      hours: input.hours,
      months: input.months,
      passed: decided ? input.result !== "failed" : null,
      notes: input.notes,
      documents: (input.documents ?? "")
        .split(/[、,，]/)
        .map((d) => d.trim())
        .filter(Boolean),
      reason: input.reason,
      // One form records one step, however often it is submitted.
      sourceKey: `form:${click.messageId}`,
      overrideHint: "如确需登记，书记可在表单中填写「破例理由」后再次提交，理由将记入发展记录和台账。",
    });
    return {
      toast: {
        type: "success",
        content: result.duplicate ? "此表单已登记过，未重复登记" : lines[0]!,
      },
      card: { type: "raw", data: recordedCard(member, result, lines, deps.config.TZ) },
    };
  },
});

export const developmentActions = [openForm, record];
