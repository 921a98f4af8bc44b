import { DUES_CATEGORY_NAMES, type DuesCategory } from "../../config/dues.js";
import type { Member } from "../db/models/member.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { AppDeps } from "../deps.js";
import { claimPaid, createMonthlyDues, setDuesProfile, type ClaimResult } from "../domain/dues.js";
import { addMonths, formatFen, monthOf, monthsBetween } from "../domain/duesRules.js";
import { UserError } from "../domain/errors.js";
import type { Mention } from "../lark/types.js";

/** A member named by @mention or by name (a private chat has no one to @). */
export async function memberNamed(deps: AppDeps, branchId: string, who: Mention | string): Promise<Member> {
  const roster = await deps.models.Member.find({ branchId, active: true }).lean<Member[]>();
  const found =
    typeof who === "string"
      ? roster.filter((m) => m.name === who || m.openId === who)
      : roster.filter((m) => m.openId === who.openId);
  const label = typeof who === "string" ? who : who.name;
  if (found.length === 0) throw new UserError(`「${label}」不是本支部的在册党员。`);
  if (found.length > 1)
    throw new UserError(`本支部有 ${found.length} 位名为「${label}」的党员，请在群里用 @ 指定。`);
  return found[0]!;
}

/** Sets a member's dues standard (command or form) and says what it came to, never the income. */
export async function applyDuesProfile(
  deps: AppDeps,
  member: Member,
  args: {
    category: DuesCategory;
    amountFen: number | null;
    from: string | null;
    reason: string;
    setBy: string;
  },
): Promise<string> {
  if (!deps.dues.box) throw new UserError("未配置党费收入加密密钥（ZHIBU_DUES_KEY），请联系管理员。");
  const wage = args.category === "employed" || args.category === "retired";
  const { monthlyFen, effectiveFrom, repriced } = await setDuesProfile(
    deps.models,
    deps.clock,
    deps.dues.box,
    deps.dues.rules,
    {
      branchId: member.branchId,
      openId: member.openId,
      category: args.category,
      baseFen: wage ? args.amountFen : null,
      fixedFen: wage ? null : args.amountFen,
      effectiveFrom: args.from ?? monthOf(deps.clock.now(), deps.config.TZ),
      reason: args.reason,
      setBy: args.setBy,
    },
  );
  // Months from the standard's start up to now are owed already (e.g. from the month of acceptance):
  // create them now rather than waiting for a monthly run that will never come for them.
  const current = monthOf(deps.clock.now(), deps.config.TZ);
  const earliest = addMonths(current, -deps.dues.rules.backPayMonths);
  const start = effectiveFrom < earliest ? earliest : effectiveFrom;
  for (const month of start <= current ? monthsBetween(start, current) : []) {
    await createMonthlyDues(deps.models, deps.clock, {
      month,
      branchId: member.branchId,
      timeZone: deps.config.TZ,
    });
  }
  return (
    `已设置 ${member.name || member.openId} 的党费标准：${DUES_CATEGORY_NAMES[args.category].zh}，自 ${effectiveFrom} 起每月 ${formatFen(monthlyFen)}。` +
    (repriced.length > 0 ? `已按新标准调整未缴月份：${repriced.join("、")}。` : "")
  );
}

/**
 * 我已缴纳 from `member` of `branchId`: the months become "pending", and each secretary of the
 * branch is told once by DM (keyed by the member, the months and the secretary).
 */
export async function claimDuesPaid(
  deps: AppDeps,
  branchId: string,
  member: Member,
  months: string[],
): Promise<ClaimResult> {
  const result = await claimPaid(deps.models, deps.clock, {
    branchId,
    openId: member.openId,
    months,
  });
  if (result.claimed.length > 0) {
    const secretaries = await deps.models.Member.find({
      branchId,
      role: "secretary",
      active: true,
    }).lean();
    const monthsText = result.claimed.join("、");
    const name = member.name || member.openId;
    for (const secretary of secretaries) {
      await enqueueMessage(deps.models, deps.clock, {
        key: `dues:claim:${branchId}:${member.openId}:${result.claimed.join(",")}:${secretary.openId}`,
        branchId,
        target: { openId: secretary.openId },
        content: {
          text: `党员 ${name} 表示已缴纳 ${monthsText} 的党费，请核实后发送 /党费 缴纳 ${name} ${result.claimed[0]}..${result.claimed.at(-1)} 确认。`,
        },
        description: `党费缴纳待确认：${name} ${monthsText}`,
      });
    }
    deps.delivery.wake();
  }
  return result;
}
