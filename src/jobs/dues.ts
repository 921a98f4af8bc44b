import { DateTime } from "luxon";
import { duesReminderCard } from "../cards/dues.js";
import type { Branch } from "../db/models/branch.js";
import { arrearsLevels, createMonthlyDues, monthStatus } from "../domain/dues.js";
import { formatFen, monthOf } from "../domain/duesRules.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { enqueueOfflineDigest, isOffline, offlineOpenIds } from "../delivery/offlineDigest.js";
import { forEachIsolated, type Job, type JobContext } from "./types.js";
import { escapeText } from "../cards/escape.js";

/** The month's dues for every active member with a profile, on the 1st; safe to run again. */
export const duesMonthlyJob: Job = {
  name: "dues-monthly",
  schedule: "10 0 1 * *",
  catchUp: true,
  async run(ctx) {
    const month = monthOf(ctx.occurrence, ctx.deps.config.TZ);
    const result = await createMonthlyDues(ctx.deps.models, ctx.deps.clock, {
      month,
      timeZone: ctx.deps.config.TZ,
    });
    ctx.deps.logger.info({ job: "dues-monthly", month, ...result }, "dues created");
  },
};

/** Consecutive unpaid months at which member and secretary are warned, and at which the branch decides. */
export const ARREARS_WARNINGS = [3, 5] as const;
export const ARREARS_DECISION = 6;

/** The highest warning level a run of `consecutive` unpaid months has reached, or null. */
export function highestWarningLevel(consecutive: number): number | null {
  let reached: number | null = null;
  for (const level of ARREARS_WARNINGS) if (consecutive >= level) reached = level;
  return reached;
}

async function remindBranch(ctx: JobContext, branch: Branch, month: string): Promise<void> {
  const { deps } = ctx;
  const secretaries = await deps.models.Member.find({
    branchId: branch._id,
    role: "secretary",
    active: true,
  }).lean();
  const dm = (
    key: string,
    openId: string,
    content: { text: string } | { card: object },
    description: string,
  ) =>
    enqueueMessage(deps.models, deps.clock, {
      key,
      branchId: branch._id,
      target: { openId },
      content: "text" in content ? { text: escapeText(content.text) } : content,
      description,
    });

  const arrears = await arrearsLevels(deps.models, branch._id, month);
  const offline = await offlineOpenIds(deps.models, branch._id);
  // People on no chat: what would go to them privately goes to the secretaries as one digest.
  const offlineLines: string[] = [];
  for (const row of arrears) {
    const months = row.months.map((m) => ({ month: m, amountFen: 0 }));
    const dues = await deps.models.Due.find({ branchId: branch._id, openId: row.openId }).lean();
    for (const item of months) item.amountFen = dues.find((d) => d.month === item.month)?.amountFen ?? 0;
    const claimed = row.pending.length === row.months.length;
    const runStart = row.months[row.months.length - row.consecutive] ?? month;
    const level = highestWarningLevel(row.consecutive);
    const onNoChat = offline.has(row.openId) || isOffline(row);
    if (onNoChat) {
      const owed = formatFen(months.reduce((sum, m) => sum + m.amountFen, 0));
      const warning = level !== null ? `，已连续 ${row.consecutive} 个月未缴（党章第九条）` : "";
      offlineLines.push(
        `${row.name || "（未填姓名）"}：${claimed ? "已报已缴、待您确认" : "待缴党费"} ${row.months.join("、")}，共 ${owed}${warning}`,
      );
    } else {
      await dm(
        `dues:${month}:remind:${branch._id}:${row.openId}`,
        row.openId,
        { card: duesReminderCard({ branchId: branch._id, branchName: branch.name, months, claimed }) },
        `${month} 党费提醒 ${row.name}`,
      );
    }
    // One warning per level per run of arrears, keyed by the run's first month: only the
    // highest level reached is sent, so a member first seen at 5 months gets the 5-month
    // warning alone, and the months after it (still at that level) find the key taken.
    if (level !== null) {
      const text = `${row.name} 已连续 ${row.consecutive} 个月未缴纳党费（${row.months.slice(-row.consecutive).join("、")}），共 ${formatFen(row.owedFen)}。按党章第九条，连续六个月不交纳党费且没有正当理由的，视为自行脱党，请尽快缴纳。`;
      if (!onNoChat) {
        await dm(
          `dues:arrears:${branch._id}:${row.openId}:${runStart}:${level}`,
          row.openId,
          { text },
          `党费欠缴警示（${level} 个月）${row.name}`,
        );
      }
      for (const s of secretaries) {
        await dm(
          `dues:arrears:${branch._id}:${row.openId}:${runStart}:${level}:${s.openId}`,
          s.openId,
          { text: `【欠缴警示】${text}` },
          `党费欠缴警示（${level} 个月）${row.name}`,
        );
      }
    }
    if (row.consecutive >= ARREARS_DECISION) {
      for (const s of secretaries) {
        await dm(
          `dues:arrears:${branch._id}:${row.openId}:${runStart}:decision:${s.openId}`,
          s.openId,
          {
            text: `【请支部研究】${row.name} 已连续 ${row.consecutive} 个月未缴纳党费。请支部了解情况并作出决定（党章第九条）；机器人不做任何自动处理。`,
          },
          `党费连续 ${row.consecutive} 个月未缴：${row.name}`,
        );
      }
    }
  }
  await enqueueOfflineDigest(deps, {
    branchId: branch._id,
    keyPrefix: `dues:${month}:remind:${branch._id}`,
    subject: `${month} 党费提醒`,
    lines: offlineLines,
  });
  const status = await monthStatus(deps.models, branch._id, month);
  for (const s of secretaries) {
    await dm(
      `dues:${month}:summary:${branch._id}:${s.openId}`,
      s.openId,
      {
        text: `「${branch.name}」${month} 党费：已缴 ${status.paidCount} / ${status.total}，待确认 ${status.pendingCount}，已收 ${formatFen(status.collectedFen)}，未收 ${formatFen(status.outstandingFen)}。欠缴提醒已私信 ${arrears.length - offlineLines.length} 人${offlineLines.length > 0 ? `，另有 ${offlineLines.length} 位未使用飞书的党员请当面提醒` : ""}。发送 /党费 查看明细。`,
      },
      `${month} 党费汇总`,
    );
  }
}

/**
 * On the configured day each month: a DM to each member who owes dues (months and amounts,
 * never the income), a summary to the secretaries, and arrears warnings at 3 and 5 months; at
 * 6 the secretaries are asked for the branch's decision. Runs daily and acts on the day only.
 */
export const duesRemindersJob: Job = {
  name: "dues-reminders",
  schedule: "0 9 * * *",
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const local = DateTime.fromJSDate(ctx.occurrence, { zone: deps.config.TZ });
    if (local.day !== deps.config.ZHIBU_DUES_REMINDER_DAY) return;
    const month = monthOf(ctx.occurrence, deps.config.TZ);
    const branches = await deps.models.Branch.find({}).lean<Branch[]>();
    await forEachIsolated(
      ctx,
      this.name,
      branches,
      (b) => b._id,
      (branch) => remindBranch(ctx, branch, month),
    );
    deps.delivery.wake();
  },
};
