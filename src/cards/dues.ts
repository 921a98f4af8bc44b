import { DUES_CATEGORIES, DUES_CATEGORY_NAMES } from "../../config/dues.js";
import { formatFen } from "../domain/duesRules.js";
import { formCard, formInput, formRow, formSelect } from "./form.js";
import { button, card, header, hr, i18n, markdown, type Card } from "./common.js";
import { escapeMarkdown } from "./escape.js";

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
  const branch = escapeMarkdown(data.branchName);
  const lines = data.months.map((m) => `· ${m.month}　${formatFen(m.amountFen)}`).join("\n");
  return card({
    header: header(i18n("党费缴纳提醒", "Party dues reminder"), data.months.length >= 3 ? "red" : "orange"),
    summary: i18n(`党费待缴 ${formatFen(total)}`, `Dues owed ${formatFen(total)}`),
    elements: [
      markdown(
        i18n(
          `「${branch}」党费待缴：\n${lines}\n**合计 ${formatFen(total)}**`,
          `Dues owed to ${branch}:\n${lines}\n**Total ${formatFen(total)}**`,
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
          "缴纳后点「我已缴纳」，书记确认后记入台账。发送 /我的党费 查看明细。",
          "Tap after paying; the secretary confirms it. Send /我的党费 for details.",
        ),
        {
          textSize: "notation",
        },
      ),
    ],
  });
}

/** The secretary's form (in a private chat) to set a member's dues standard. */
export function duesProfileFormCard(options: { month: string }): Card {
  const categories = DUES_CATEGORIES.map((id) => ({
    text: i18n(DUES_CATEGORY_NAMES[id].zh, DUES_CATEGORY_NAMES[id].en),
    value: id,
  }));
  return formCard({
    title: i18n("设置党费标准", "Set dues standard"),
    template: "red",
    note: {
      zh: "在职、离退休填税后月工资/月离退休费（元，加密保存，不会出现在群里）；农民、减交填每月金额；学生、失业、低保按 0.20 元。",
      en: "Employed/retired: monthly income after tax (yuan, stored encrypted, never shown in the group); farmer/reduced: the monthly amount.",
    },
    formName: "dues_profile",
    fields: [
      formRow(
        i18n("党员姓名", "Member"),
        true,
        formInput("member", i18n("与名册一致的姓名", "Name as on the roster"), {
          required: true,
          maxLength: 40,
        }),
      ),
      formRow(
        i18n("类别", "Category"),
        true,
        formSelect("category", i18n("选择类别", "Category"), true, categories, "employed"),
      ),
      formRow(
        i18n("金额（元）", "Amount (yuan)"),
        false,
        formInput("amount", i18n("月工资或每月金额", "Income or monthly amount"), { maxLength: 16 }),
      ),
      formRow(
        i18n("起始月份", "From month"),
        true,
        formInput("from", i18n("YYYY-MM", "YYYY-MM"), {
          required: true,
          maxLength: 7,
          defaultValue: options.month,
        }),
      ),
      formRow(
        i18n("减免原因", "Reason"),
        false,
        formInput("reason", i18n("减交、免交时填写", "For reduced or waived"), { maxLength: 200 }),
      ),
    ],
    submit: { text: i18n("保存", "Save"), value: { action: DUES_ACTIONS.set }, name: "dues_profile_submit" },
  });
}
