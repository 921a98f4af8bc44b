import { DateTime } from "luxon";
import {
  DEVELOPMENT_DIGEST_AHEAD_DAYS,
  DEVELOPMENT_REMINDER_HOUR,
  PROBATION_NOTICE_MONTHS,
  THOUGHT_REPORT_MONTHS,
  developmentRulesFor,
} from "../../config/development.js";
import { escapeText } from "../cards/escape.js";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import {
  dayText,
  dueState,
  nextSteps,
  probationEnd,
  stageOf,
  STEP_DEFS,
  windowText,
} from "../domain/development.js";
import { pipeline } from "../domain/developmentRecord.js";
import { branchSetting } from "../domain/settings.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { forEachIsolated, type Job } from "./types.js";

/** The digest of one secretary in one ISO week: at most one a week, whatever the job's runs. */
export const developmentDigestKey = (branchId: string, week: string, to: string) =>
  `dev-digest:${branchId}:${week}:${to}`;

/**
 * 发展党员 reminders, daily at DEVELOPMENT_REMINDER_HOUR, all through the outbox under keys that
 * make each one once:
 * - to each 书记, one digest a week of the steps overdue or due within DEVELOPMENT_DIGEST_AHEAD_DAYS;
 * - to the 培养联系人, once per due date, when an activist's half-yearly 考察 is due within 14 days;
 * - to each 书记, once per probation, PROBATION_NOTICE_MONTHS before it ends;
 * - to the person, once per due date, when a 思想汇报 is due within 7 days (branch setting
 *   思想汇报提醒, off by default).
 * A branch that switched off 发展提醒 gets none of the first three.
 */
export const developmentRemindersJob: Job = {
  name: "development-reminders",
  schedule: `0 ${DEVELOPMENT_REMINDER_HOUR} * * *`,
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const tz = deps.config.TZ;
    const today = DateTime.fromJSDate(ctx.occurrence, { zone: tz }).startOf("day");
    const week = today.toFormat("kkkk-'W'WW");
    const rules = developmentRulesFor(deps.config.ZHIBU_DEVELOPMENT_RULES_FILE);
    const branches = await deps.models.Branch.find({}).lean<Branch[]>();
    await forEachIsolated(
      ctx,
      this.name,
      branches,
      (b) => b._id,
      async (branch) => {
        const nudges = branchSetting(branch, "developmentReminders");
        const reports = branchSetting(branch, "thoughtReportReminders");
        if (!nudges && !reports) return;
        const people = await pipeline(deps.models, branch._id);
        if (people.length === 0) return;
        const secretaries = await deps.models.Member.find({
          branchId: branch._id,
          role: "secretary",
          active: true,
        }).lean<Member[]>();
        const digest: string[] = [];
        const send = (key: string, to: string, text: string, description: string) =>
          enqueueMessage(deps.models, deps.clock, {
            key,
            branchId: branch._id,
            target: { openId: to },
            content: { text: escapeText(text) },
            description,
          });
        for (const { member, record } of people) {
          const steps = record?.steps ?? [];
          const name = member.name || "（未填姓名）";
          const next = nextSteps(steps, rules, tz, { reportMonths: THOUGHT_REPORT_MONTHS });
          for (const n of next) {
            if (n.step === "report") continue;
            const state = dueState(n, today.toJSDate(), tz, DEVELOPMENT_DIGEST_AHEAD_DAYS);
            if (state) {
              digest.push(
                `${name}：${STEP_DEFS[n.step].zh}${state === "overdue" ? "（已逾期）" : ""}　${windowText(n, tz)}`,
              );
            }
          }
          if (nudges) {
            const assessment = next.find((n) => n.step === "assessment");
            if (assessment && dueState(assessment, today.toJSDate(), tz, 14)) {
              const contacts = steps.filter((s) => s.step === "activist").at(-1)?.contacts ?? [];
              for (const contact of contacts) {
                await send(
                  `dev-assess:${branch._id}:${member.openId}:${dayText(assessment.latest, tz)}:${contact}`,
                  contact,
                  `【考察提醒】您是入党积极分子 ${name} 的培养联系人，半年一次的考察应在 ${dayText(assessment.latest, tz)} 前完成，请与支部书记联系登记。`,
                  `发展党员考察提醒 ${name}`,
                );
              }
            }
            const end = probationEnd(steps, rules, tz);
            if (end && stageOf(steps) === "probationary") {
              const notice = DateTime.fromJSDate(end, { zone: tz }).minus({
                months: PROBATION_NOTICE_MONTHS,
              });
              if (notice <= today) {
                for (const secretary of secretaries) {
                  await send(
                    `dev-probation:${branch._id}:${member.openId}:${dayText(end, tz)}:${secretary.openId}`,
                    secretary.openId,
                    `【预备期将满】预备党员 ${name} 的预备期于 ${dayText(end, tz)} 期满，请及时召开支部大会讨论其转正（/发展 登记 ${name} 转正 或 延长预备期）。`,
                    `预备期将满提醒 ${name}`,
                  );
                }
              }
            }
          }
          const report = next.find((n) => n.step === "report");
          if (reports && report && member.onFeishu !== false && dueState(report, today.toJSDate(), tz, 7)) {
            await send(
              `dev-report:${branch._id}:${member.openId}:${dayText(report.latest, tz)}`,
              member.openId,
              `【思想汇报提醒】您的思想汇报请于 ${dayText(report.latest, tz)} 前交给支部（可回复忽略；支部可在 /设置 中关闭此提醒）。`,
              `思想汇报提醒 ${name}`,
            );
          }
        }
        if (nudges && digest.length > 0) {
          const text = [
            `【发展党员 · 本周到期/逾期】「${branch.name}」`,
            ...digest,
            "查看详情：/发展 查看 <姓名>",
          ].join("\n");
          for (const secretary of secretaries) {
            await send(
              developmentDigestKey(branch._id, week, secretary.openId),
              secretary.openId,
              text,
              `发展党员每周提醒（${week}）`,
            );
          }
        }
      },
    );
    deps.delivery.wake();
  },
};
