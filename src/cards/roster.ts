/**
 * Cards of the 党员名册: the one card a sync sends the secretary (a status picker for each person
 * found 待确认, and a question for each name that matches a person on no chat), and the form for
 * editing one person's record. Pure functions, no I/O.
 */
import {
  button,
  card,
  columnRow,
  escapeMarkdown,
  header,
  i18n,
  markdown,
  truncate,
  type Card,
  type CardElement,
} from "./common.js";
import { formCard, formInput, formRow, formSelect, type FormOption } from "./form.js";

/** `action` values carried by the roster cards' buttons. */
export const ROSTER_ACTIONS = {
  confirm: "roster.confirm", // form submit; value: { branchId, openIds, pairs }, form: { s0, s1, … } statuses
  link: "roster.link", // value: { branchId, pair, pairs }: the chat member is the offline person
  unlink: "roster.unlink", // value: { branchId, pair, pairs }: not the same person, joins 待确认
  edit: "roster.edit", // form submit; value: { openId }, form: status, since and profile fields
} as const;

/** Statuses a secretary can give (not 待确认). */
export const STATUS_OPTIONS: FormOption[] = [
  { text: i18n("正式党员", "Full member"), value: "full" },
  { text: i18n("预备党员", "Probationary member"), value: "probationary" },
  { text: i18n("发展对象", "Development target"), value: "target" },
  { text: i18n("入党积极分子", "Activist"), value: "activist" },
  { text: i18n("入党申请人", "Applicant"), value: "applicant" },
  { text: i18n("群众/其他", "Not a Party member"), value: "non-party" },
];

/** Rows of one card (each picker counts about 12 elements of the 200 Lark allows). */
export const SYNC_CARD_MAX_ROWS = 10;
export const SYNC_CARD_MAX_MATCHES = 5;

export interface SyncMatch {
  openId: string;
  name: string;
  offlineKey: string;
}

export interface SyncCardData {
  branchId: string;
  branchName: string;
  /** The sync's summary line (or, after a click, what was done). */
  summary: string;
  unconfirmed: { openId: string; name: string }[];
  matches: SyncMatch[];
}

/** A compact status select (options in Chinese only: a sync card holds many of them). */
function statusPicker(name: string): CardElement {
  return {
    tag: "select_static",
    name,
    required: false,
    width: "fill",
    placeholder: { tag: "plain_text", content: "选择身份" },
    options: STATUS_OPTIONS.map((o) => ({ text: { tag: "plain_text", content: o.text.zh }, value: o.value })),
  };
}

const nameOf = (person: { openId: string; name: string }) => truncate(person.name || person.openId, 20);

/** The secretary's card after a sync: nothing is counted for a 待确认 person until confirmed here. */
export function syncCard(data: SyncCardData): Card {
  const rows = data.unconfirmed.slice(0, SYNC_CARD_MAX_ROWS);
  const matches = data.matches.slice(0, SYNC_CARD_MAX_MATCHES);
  // Button values carry the open matches as [open id, offline key] (the name is the offline
  // entry's), so that a click can redraw the card.
  const pairs = matches.map((m) => [m.openId, m.offlineKey]);
  const elements: CardElement[] = [markdown(escapeMarkdown(data.summary))];
  if (rows.length > 0) {
    const more = data.unconfirmed.length - rows.length;
    elements.push(
      markdown(
        i18n(
          `以下 ${data.unconfirmed.length} 人为**待确认**（不计入应到、学习、党费和统计），请选择身份后提交；未选择的仍为待确认。` +
            (more > 0 ? `另有 ${more} 人，提交后本卡片会列出。` : ""),
          `${data.unconfirmed.length} people are **unconfirmed** (counted nowhere). Choose a status and submit.`,
        ),
      ),
      {
        tag: "form",
        name: "roster_confirm",
        elements: [
          ...rows.map((person, index) =>
            formRow(i18n(escapeMarkdown(nameOf(person))), false, statusPicker(`s${index}`)),
          ),
          button({
            text: i18n("确认身份", "Confirm"),
            type: "primary_filled",
            value: {
              action: ROSTER_ACTIONS.confirm,
              branchId: data.branchId,
              openIds: rows.map((p) => p.openId),
              pairs,
            },
            formSubmitName: "roster_confirm_submit",
          }),
        ],
      },
    );
  }
  for (const match of matches) {
    const value = { branchId: data.branchId, pair: [match.openId, match.offlineKey], pairs };
    elements.push(
      // One language only: these rows repeat, and the card must stay small.
      markdown(
        `群成员 **${escapeMarkdown(nameOf(match))}** 与名册中无飞书账号者同名，是同一人吗？关联后沿用其身份和记录。`,
      ),
      columnRow([
        button({
          text: i18n("是同一人，关联", "Same person: link"),
          type: "primary",
          value: { action: ROSTER_ACTIONS.link, ...value },
        }),
        button({
          text: i18n("不是同一人", "Not the same"),
          value: { action: ROSTER_ACTIONS.unlink, ...value },
        }),
      ]),
    );
  }
  if (rows.length === 0 && matches.length === 0) {
    elements.push(markdown(i18n("名册中已没有待确认的人。", "Nobody is left unconfirmed.")));
  }
  const waiting = data.unconfirmed.length + data.matches.length;
  return card({
    header: header(
      i18n(
        waiting > 0 ? `名册同步：${waiting} 人待确认` : "名册同步完成",
        waiting > 0 ? `Roster sync: ${waiting} to confirm` : "Roster synced",
      ),
      waiting > 0 ? "orange" : "green",
    ),
    elements,
    summary: i18n(`【${truncate(data.branchName, 40)}】名册同步`, "Roster sync"),
  });
}

export interface EditCardData {
  branchId: string;
  openId: string;
  name: string;
  status: string;
  statusSince: string;
  profile: {
    gender: string;
    ethnicity: string;
    birthMonth: string;
    education: string;
    joinedAt: string;
    fullAt: string;
    partyPost: string;
    phone: string;
  };
}

/** The form for one person's record (sent only in the secretary's private chat: it shows the phone). */
export function editMemberCard(data: EditCardData): Card {
  const input = (
    name: keyof EditCardData["profile"],
    label: string,
    placeholder: string,
    maxLength: number,
  ) =>
    formRow(
      i18n(label),
      false,
      formInput(name, i18n(placeholder), { maxLength, defaultValue: data.profile[name] || undefined }),
    );
  const statusOptions = STATUS_OPTIONS;
  return formCard({
    title: i18n(`编辑名册：${truncate(data.name, 30)}`, `Edit record: ${truncate(data.name, 30)}`),
    template: "blue",
    note: i18n(
      "留空的栏目将被清空；身份变更记入身份历史。不收集身份证号。",
      "Empty fields are cleared; status changes are kept in the history.",
    ),
    formName: "roster_edit",
    fields: [
      formRow(
        i18n("身份", "Status"),
        true,
        formSelect(
          "status",
          i18n("选择身份", "Status"),
          true,
          statusOptions,
          statusOptions.some((o) => o.value === data.status) ? data.status : undefined,
        ),
      ),
      formRow(
        i18n("身份起始日期", "Since"),
        false,
        formInput("statusSince", i18n("YYYY-MM-DD"), {
          maxLength: 10,
          defaultValue: data.statusSince || undefined,
        }),
      ),
      formRow(
        i18n("性别", "Gender"),
        false,
        formSelect(
          "gender",
          i18n("性别", "Gender"),
          false,
          [
            { text: i18n("男"), value: "男" },
            { text: i18n("女"), value: "女" },
          ],
          data.profile.gender || undefined,
        ),
      ),
      input("ethnicity", "民族", "如 汉族", 20),
      input("birthMonth", "出生年月", "YYYY-MM", 7),
      input("education", "学历", "如 本科", 20),
      input("joinedAt", "入党日期", "YYYY-MM-DD", 10),
      input("fullAt", "转正日期", "YYYY-MM-DD", 10),
      input("partyPost", "党内职务", "如 组织委员", 30),
      input("phone", "联系方式", "手机号", 20),
    ],
    submit: {
      text: i18n("保存", "Save"),
      value: { action: ROSTER_ACTIONS.edit, branchId: data.branchId, openId: data.openId },
      name: "roster_edit_submit",
    },
  });
}
