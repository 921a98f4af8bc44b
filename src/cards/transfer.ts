import { button, card, columnRow, header, hr, i18n, markdown, truncate, type Card } from "./common.js";
import { escapeMarkdown } from "./escape.js";

/**
 * The card a branch's 书记 gets when another branch of this deployment transfers a member to it
 * (组织关系转接): 接收 / 不接收. Every name is person-typed and escaped.
 */
export const TRANSFER_ACTIONS = {
  decide: "transfer.decide", // value: { decision: accept|decline, transferId }
} as const;

export interface TransferCardData {
  transferId: string;
  name: string;
  /** The status as the roster says it (正式党员 …). */
  statusZh: string;
  fromBranch: string;
  toBranch: string;
  letterNo: string;
  issuedAt: string;
  validUntil: string;
  duesPaidTo: string;
  /** Set once decided: the card is shown without buttons. */
  decided?: { decision: "accept" | "decline"; byName: string };
  /** Set once the sending branch withdrew it: nothing left to decide. */
  cancelled?: boolean;
}

const text = (value: string) => escapeMarkdown(truncate(value, 60));

export function transferCard(data: TransferCardData): Card {
  const value = (decision: string) => ({
    action: TRANSFER_ACTIONS.decide,
    decision,
    transferId: data.transferId,
  });
  const who = text(data.name);
  const from = text(data.fromBranch);
  const outcome = data.cancelled
    ? markdown(
        i18n(
          `「${from}」已撤销此转接：无需处理，${who} 仍由「${from}」负责。`,
          `${from} withdrew this transfer: nothing to do; ${who} stays with ${from}.`,
        ),
      )
    : data.decided
      ? markdown(
          data.decided.decision === "accept"
            ? i18n(
                `已接收（${text(data.decided.byName)}）：${who} 已列入「${text(data.toBranch)}」名册。`,
                `Accepted (${text(data.decided.byName)}): ${who} is on the roster now.`,
              )
            : i18n(
                `未接收（${text(data.decided.byName)}）：${who} 仍由「${from}」负责。`,
                `Declined (${text(data.decided.byName)}); ${who} stays with ${from}.`,
              ),
        )
      : columnRow([
          button({ text: i18n("接收", "Accept"), type: "primary_filled", value: value("accept") }),
          button({ text: i18n("不接收", "Decline"), type: "danger", value: value("decline") }),
        ]);
  const details = [
    `**${who}**（${text(data.statusZh)}）`,
    `转出支部：${from}`,
    `介绍信编号：${text(data.letterNo || "—")}　开具日期：${data.issuedAt}　有效期至：${data.validUntil}`,
    `党费交至：${data.duesPaidTo || "—"}`,
    `转接编号：${escapeMarkdown(data.transferId)}`,
  ].join("\n");
  return card({
    header: header(
      i18n("组织关系转入，待接收", "A member transferred to your branch"),
      data.decided || data.cancelled ? "grey" : "orange",
    ),
    summary: i18n(`「${from}」转来 ${who}`, `${from} transfers ${who}`),
    elements: [
      markdown(
        i18n(
          `${details}\n接收后，其身份、入党/转正日期、发展记录和党费交至月份随之转入本支部名册，并自动向「${from}」回执。`,
          `${details}\nOn acceptance the record moves to this branch and ${from} gets the return slip.`,
        ),
      ),
      hr(),
      outcome,
    ],
  });
}
