import { formatFen } from "../domain/duesRules.js";
import { button, card, header, hr, i18n, markdown, type Card } from "./common.js";

export const DUES_ACTIONS = {
  claim: "dues.claim", // value: { branchId, months: ["2026-10", …] }
  set: "dues.set", // form card submit
} as const;

export interface DuesReminderData {
  branchId: string;
  branchName: string;
  /** Unpaid months with their amounts, oldest first. */
  months: { month: string; amountFen: number }[];
  /** True when the member already said 我已缴纳 for all of them. */
  claimed: boolean;
}

/** The monthly DM to a member who owes dues: months and amounts (never the income), 我已缴纳. */
export function duesReminderCard(data: DuesReminderData): Card {
  const total = data.months.reduce((sum, m) => sum + m.amountFen, 0);
  const lines = data.months.map((m) => `· ${m.month}　${formatFen(m.amountFen)}`).join("\n");
  return card({
    header: header(i18n("党费缴纳提醒", "Party dues reminder"), data.months.length >= 3 ? "red" : "orange"),
    summary: i18n(`党费待缴 ${formatFen(total)}`, `Dues owed ${formatFen(total)}`),
    elements: [
      markdown(
        i18n(
          `「${data.branchName}」党费待缴：\n${lines}\n**合计 ${formatFen(total)}**`,
          `Dues owed to ${data.branchName}:\n${lines}\n**Total ${formatFen(total)}**`,
        ),
      ),
      hr(),
      data.claimed
        ? markdown(i18n("已提交「我已缴纳」，待书记确认。", "Marked as paid; awaiting the secretary."))
        : button({
            text: i18n("我已缴纳", "I have paid"),
            type: "primary_filled",
            value: {
              action: DUES_ACTIONS.claim,
              branchId: data.branchId,
              months: data.months.map((m) => m.month),
            },
          }),
      markdown(
        i18n(
          "缴纳后点「我已缴纳」，书记确认后记入台账。发送 /我的党费 查看本年度明细。",
          "Tap after paying; the secretary confirms it. Send /我的党费 for the year.",
        ),
        {
          textSize: "notation",
        },
      ),
    ],
  });
}
