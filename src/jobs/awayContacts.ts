import { DateTime } from "luxon";
import { AWAY_CONTACT_HOUR, AWAY_CONTACT_MONTHS } from "../../config/reminders.js";
import { escapeText } from "../cards/escape.js";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import { awayContactAnchor, awayContactDueAt, holdingAway } from "../domain/anniversaries.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { forEachIsolated, type Job } from "./types.js";

/**
 * The key of one reminder: per member, period, secretary and the date the six months count from,
 * so each round is sent once and recording a contact (a new anchor) starts the next round.
 */
export const awayContactKey = (
  branchId: string,
  openId: string,
  periodId: string,
  anchor: Date,
  to: string,
) => `away:${branchId}:${openId}:${periodId}:${anchor.toISOString()}:${to}`;

/**
 * 外出/流动党员: daily, for each member away whose last contact (or the start of the period) is
 * AWAY_CONTACT_MONTHS or more ago, a private reminder to each 书记 of the branch to make contact
 * and record it (`/党员 联系 @某人|姓名`), which restarts the count.
 */
export const awayContactsJob: Job = {
  name: "away-contacts",
  schedule: `0 ${AWAY_CONTACT_HOUR} * * *`,
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const tz = deps.config.TZ;
    const at = ctx.occurrence;
    const branches = await deps.models.Branch.find({}).lean<Branch[]>();
    await forEachIsolated(
      ctx,
      this.name,
      branches,
      (b) => b._id,
      async (branch) => {
        const members = await deps.models.Member.find({
          branchId: branch._id,
          active: true,
          "exemptions.kind": "away",
        }).lean<Member[]>();
        const due = members.flatMap((member) => {
          const period = holdingAway(member, at);
          if (!period) return [];
          const dueAt = awayContactDueAt(period, AWAY_CONTACT_MONTHS, tz);
          return dueAt.getTime() <= at.getTime() ? [{ member, period }] : [];
        });
        if (due.length === 0) return;
        const secretaries = await deps.models.Member.find({
          branchId: branch._id,
          role: "secretary",
          active: true,
        }).lean<Member[]>();
        for (const { member, period } of due) {
          const anchor = awayContactAnchor(period);
          const since = DateTime.fromJSDate(anchor, { zone: tz }).toFormat("yyyy年M月d日");
          const name = member.name || "（未填姓名）";
          const where = period.where ? `（${period.where}）` : "";
          const what = period.lastContactAt ? `上次联系为 ${since}` : `自 ${since} 外出以来尚未记录联系`;
          const text = `【外出党员联系提醒】${name}${where}为外出/流动党员，${what}，已满 ${AWAY_CONTACT_MONTHS} 个月。请与其取得联系，了解思想、工作和学习情况；联系后发送 /党员 联系 ${name} 记录，下次提醒从记录之日重新计算。`;
          for (const secretary of secretaries) {
            await enqueueMessage(deps.models, deps.clock, {
              key: awayContactKey(branch._id, member.openId, period.id, anchor, secretary.openId),
              branchId: branch._id,
              target: { openId: secretary.openId },
              content: { text: escapeText(text) },
              description: `外出党员联系提醒 ${name}`,
            });
          }
        }
      },
    );
    deps.delivery.wake();
  },
};
