import { DateTime } from "luxon";
import { politicalBirthdayCard } from "../cards/birthday.js";
import { trusted } from "../db/connection.js";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import { greetsOnPartyBirthday, partyAnniversaryYears } from "../domain/anniversaries.js";
import { branchSetting } from "../domain/settings.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { forEachIsolated, type Job } from "./types.js";

/** The outbox key of one member's greeting in one year: a second run that year finds it taken. */
export const birthdayKey = (branchId: string, openId: string, year: number) =>
  `birthday:${branchId}:${openId}:${year}`;

/**
 * 政治生日: daily at `hour` (ZHIBU_BIRTHDAY_HOUR, in TZ), a private greeting card to each active
 * 正式/预备 党员 on Feishu whose 入党日期 has its anniversary that day (29 Feb → 28 Feb in other
 * years). Branches that switched it off (`/设置 政治生日 关`) are skipped.
 */
export function createPoliticalBirthdayJob(hour: number): Job {
  return {
    name: "political-birthday",
    schedule: `0 ${hour} * * *`,
    catchUp: true,
    async run(ctx) {
      const { deps } = ctx;
      const tz = deps.config.TZ;
      const year = DateTime.fromJSDate(ctx.occurrence, { zone: tz }).year;
      const branches = (await deps.models.Branch.find({}).lean<Branch[]>()).filter((b) =>
        branchSetting(b, "politicalBirthday"),
      );
      await forEachIsolated(
        ctx,
        this.name,
        branches,
        (b) => b._id,
        async (branch) => {
          const members = await deps.models.Member.find({
            branchId: branch._id,
            active: true,
            "profile.joinedAt": trusted({ $ne: null }),
          }).lean<Member[]>();
          for (const member of members) {
            if (!greetsOnPartyBirthday(member)) continue;
            const joinedAt = member.profile?.joinedAt;
            const years = partyAnniversaryYears(joinedAt, ctx.occurrence, tz);
            if (years === null || !joinedAt) continue;
            await enqueueMessage(deps.models, deps.clock, {
              key: birthdayKey(branch._id, member.openId, year),
              branchId: branch._id,
              target: { openId: member.openId },
              content: {
                card: politicalBirthdayCard({
                  branchName: branch.name,
                  name: member.name,
                  years,
                  joinedAt,
                  timeZone: tz,
                }),
              },
              description: `政治生日祝贺 ${member.name || member.openId}（入党 ${years} 周年）`,
            });
          }
        },
      );
      deps.delivery.wake();
    },
  };
}
