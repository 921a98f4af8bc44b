/**
 * 政治生日: a private greeting from the branch on the anniversary of a member's 入党日期. A card
 * to read, with nothing to do (no buttons); pure: data in, card JSON out.
 */
import { DateTime } from "luxon";
import { card, escapeMarkdown, header, i18n, markdown, truncate, type Card } from "./common.js";

export interface PoliticalBirthdayData {
  branchName: string;
  name: string;
  years: number;
  joinedAt: Date;
  timeZone: string;
}

export function politicalBirthdayCard(data: PoliticalBirthdayData): Card {
  const name = escapeMarkdown(truncate(data.name.trim() || "同志", 20));
  const branch = escapeMarkdown(truncate(data.branchName, 40));
  const joined = DateTime.fromJSDate(data.joinedAt, { zone: data.timeZone });
  const zhDate = joined.toFormat("yyyy年M月d日");
  const enDate = joined.setLocale("en").toFormat("d LLLL yyyy");
  return card({
    header: header(i18n("政治生日快乐", "Happy Party anniversary"), "red"),
    elements: [
      markdown(
        i18n(
          `**${name}** 同志：\n今天是您的政治生日。您于 ${zhDate} 加入中国共产党，入党 **${data.years}** 周年。\n${branch} 全体同志祝您政治生日快乐！不忘初心、牢记使命。`,
          `Dear **${name}**,\nToday is your Party anniversary: you joined the Communist Party of China on ${enDate}, **${data.years}** year${data.years === 1 ? "" : "s"} ago.\nAll comrades of ${branch} send their congratulations.`,
        ),
      ),
    ],
    summary: i18n(`政治生日快乐：入党 ${data.years} 周年`, `Party anniversary: ${data.years} years`),
  });
}
