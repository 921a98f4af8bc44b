import { button, card, columnRow, header, hr, i18n, markdown, truncate, type Card } from "./common.js";
import { escapeMarkdown } from "./escape.js";

/**
 * Cards of authorisation: a branch's request to join an organisation (to its secretaries), an
 * elevated role offered to a member (to that member), and the branch a private chat acts for.
 * Every name is person-typed and escaped.
 */
export const ORG_ACTIONS = {
  join: "org.join", // value: { decision: approve|refuse, branchId, requestId }
  role: "role.confirm", // value: { decision: accept|decline, branchId, requestId }
  switch: "person.switch", // value: { branchId }
} as const;

const name = (text: string) => escapeMarkdown(truncate(text, 60));

export interface JoinRequestCardData {
  branchId: string;
  branchName: string;
  orgName: string;
  requesterName: string;
  requestId: string;
  /** Set once decided: the card is shown without buttons. */
  decided?: { decision: "approve" | "refuse" | "gone"; byName: string };
}

/** To an organisation's secretaries (or the admins): 同意 / 拒绝 a branch joining it. */
export function joinRequestCard(data: JoinRequestCardData): Card {
  const branch = name(data.branchName);
  const org = name(data.orgName);
  const requester = name(data.requesterName);
  const value = (decision: string) => ({
    action: ORG_ACTIONS.join,
    decision,
    branchId: data.branchId,
    requestId: data.requestId,
  });
  const outcome = data.decided
    ? markdown(
        data.decided.decision === "approve"
          ? i18n(`已同意（${name(data.decided.byName)}）。`, `Approved (${name(data.decided.byName)}).`)
          : data.decided.decision === "refuse"
            ? i18n(`已拒绝（${name(data.decided.byName)}）。`, `Refused (${name(data.decided.byName)}).`)
            : i18n("此申请已处理或已撤回。", "This request was decided or withdrawn."),
      )
    : columnRow([
        button({ text: i18n("同意", "Approve"), type: "primary_filled", value: value("approve") }),
        button({ text: i18n("拒绝", "Refuse"), type: "danger", value: value("refuse") }),
      ]);
  return card({
    header: header(i18n("支部申请加入上级组织", "A branch asks to join"), data.decided ? "grey" : "orange"),
    summary: i18n(`「${branch}」申请加入「${org}」`, `${branch} asks to join ${org}`),
    elements: [
      markdown(
        i18n(
          `**「${branch}」**（编号 ${escapeMarkdown(data.branchId)}）申请加入 **「${org}」**。\n申请人：${requester}\n同意后，「${org}」的书记可以查看该支部的组织生活统计。`,
          `**${branch}** (${escapeMarkdown(data.branchId)}) asks to join **${org}**.\nAsked by: ${requester}\nOnce approved, ${org}'s secretaries see this branch's statistics.`,
        ),
      ),
      hr(),
      outcome,
    ],
  });
}

export interface RoleOfferCardData {
  branchId: string;
  branchName: string;
  roleName: { zh: string; en: string };
  byName: string;
  requestId: string;
  decided?: "accept" | "decline" | "gone";
}

/** To the person offered a role: 接受 / 拒绝. Only their own click applies it. */
export function roleOfferCard(data: RoleOfferCardData): Card {
  const branch = name(data.branchName);
  const by = name(data.byName);
  const value = (decision: string) => ({
    action: ORG_ACTIONS.role,
    decision,
    branchId: data.branchId,
    requestId: data.requestId,
  });
  const outcome = data.decided
    ? markdown(
        data.decided === "accept"
          ? i18n(
              `已接受：你现在是「${branch}」的${data.roleName.zh}。`,
              `Accepted: you are now ${data.roleName.en}.`,
            )
          : data.decided === "decline"
            ? i18n("已拒绝，你的角色不变。", "Declined; your role is unchanged.")
            : i18n("此任命已处理或已撤回。", "This appointment was decided or withdrawn."),
      )
    : columnRow([
        button({ text: i18n("接受", "Accept"), type: "primary_filled", value: value("accept") }),
        button({ text: i18n("拒绝", "Decline"), type: "danger", value: value("decline") }),
      ]);
  return card({
    header: header(i18n("支部职务任命确认", "Confirm a branch role"), data.decided ? "grey" : "blue"),
    summary: i18n(
      `「${branch}」任命你为${data.roleName.zh}`,
      `${branch}: you are offered ${data.roleName.en}`,
    ),
    elements: [
      markdown(
        i18n(
          `${by} 在 **「${branch}」**（编号 ${escapeMarkdown(data.branchId)}）任命你为 **${data.roleName.zh}**。\n接受后，你在该支部可以使用${data.roleName.zh}的命令；私聊命令仍只作用于你用 /切换 选定的支部。如果你不认识这个支部，请拒绝。`,
          `${by} appoints you **${data.roleName.en}** of **${branch}** (${escapeMarkdown(data.branchId)}).\nIf you do not know this branch, decline.`,
        ),
      ),
      hr(),
      outcome,
    ],
  });
}

export interface SwitchChoice {
  branchId: string;
  branchName: string;
  roleName: string;
  current: boolean;
}

/** At most this many branches are listed (a person is rarely in more than two or three). */
export const SWITCH_MAX_CHOICES = 20;

/** /切换: the person's branches, the one their private chat acts for marked, a button for each. */
export function switchCard(choices: SwitchChoice[]): Card {
  const shown = choices.slice(0, SWITCH_MAX_CHOICES);
  const rows = shown.flatMap((choice) => [
    markdown(
      `**${name(choice.branchName)}**（${escapeMarkdown(choice.branchId)}）　${escapeMarkdown(choice.roleName)}${choice.current ? "　✅ 当前" : ""}`,
    ),
    ...(choice.current
      ? []
      : [
          button({
            text: i18n("私聊时代表此支部", "Use this branch"),
            value: { action: ORG_ACTIONS.switch, branchId: choice.branchId },
          }),
        ]),
  ]);
  return card({
    header: header(i18n("选择私聊所代表的支部", "Branch of your private chat"), "blue"),
    elements: [
      markdown(
        i18n(
          "你在以下支部的名册中。私聊机器人时的命令只作用于你选定的支部，每条回复都会注明支部。",
          "You are on these branches' rosters. Private commands act for the one you choose; every reply names it.",
        ),
      ),
      hr(),
      ...(rows.length > 0 ? rows : [markdown(i18n("你还不是任何支部的在册党员。", "You are on no roster."))]),
    ],
  });
}
