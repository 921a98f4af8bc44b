/**
 * The meeting announcement card: details, live answers, and the 参加 / 请假 / 签到 controls while
 * the meeting is open; the frozen attendance record once closed. Re-rendered and PATCHed on every
 * change (through the outbox: delivery/cardMessages.ts), so it is a shared card (`update_multi: true`).
 */
import { meetingTypeById } from "../domain/meetingTypes.js";
import {
  button,
  buildWithinBudgets,
  card,
  columnRow,
  formatTimeRange,
  header,
  hr,
  i18n,
  markdown,
  namesList,
  plainText,
  recordFooter,
  truncate,
  userText,
  type Card,
  type CardElement,
  type HeaderTemplate,
  type I18nText,
} from "./common.js";
import { CARD_ACTIONS } from "./types.js";
import { type MeetingCardData, type PersonRef } from "../presenters/meeting.js";

/** Names of the form and its components on the card (unique within the card, as Lark requires). */
export const MEETING_CARD_FORM = {
  form: "meeting_rsvp",
  reason: "reason",
  attendButton: "rsvp_attend",
  leaveButton: "rsvp_leave",
} as const;

/** Longest leave reason the input accepts (the action handler checks it again). */
export const LEAVE_REASON_MAX = 200;

/**
 * How much of each list and text is shown. The first budget fits any realistic meeting; the
 * second is used only if a card would otherwise pass CARD_TARGET_BYTES (Lark allows 30 KB).
 */
const BUDGETS = [
  { names: 20, title: 60, place: 100, agenda: 1000, minutes: 2000 },
  { names: 5, title: 40, place: 60, agenda: 300, minutes: 500 },
] as const;
type Budget = (typeof BUDGETS)[number];

/** Header colour by status: blue while open (red once 签到 is open), grey cancelled, green closed. */
export function meetingHeaderTemplate(data: Pick<MeetingCardData, "status" | "checkinOpen">): HeaderTemplate {
  if (data.status === "cancelled") return "grey";
  if (data.status === "closed") return "green";
  return data.checkinOpen ? "red" : "blue";
}

function statusSubtitle(data: MeetingCardData): I18nText {
  if (data.status === "cancelled") return i18n("已取消", "Cancelled");
  if (data.status === "closed") return i18n("已结束", "Closed");
  if (data.checkinOpen) return i18n("签到进行中", "Check-in open");
  return i18n("请回复参加或请假", "Please reply: attend or leave");
}

function titleText(data: MeetingCardData, budget: Budget): I18nText {
  const type = meetingTypeById(data.type);
  const title = truncate(data.title, budget.title);
  return { zh: `【${type.zh}】${title}`, en: `[${type.en}] ${title}` };
}

function detailsElement(data: MeetingCardData, budget: Budget): CardElement {
  const time = formatTimeRange(data.startAt, data.durationMin, data.timeZone);
  const place = data.place.trim() ? userText(data.place, budget.place) : null;
  const agenda = data.agenda.trim() ? userText(data.agenda, budget.agenda) : null;
  const group = data.partyGroup?.trim() ? userText(data.partyGroup, budget.place) : null;
  const zh = [`**时间**：${time.zh}`, `**地点**：${place ?? "待定"}`];
  const en = [`**Time**: ${time.en}`, `**Place**: ${place ?? "to be announced"}`];
  // Names come from the roster (people type them): escaped like every person-typed text.
  if (data.host) {
    zh.push(`**主持人**：${userText(data.host.name, budget.place)}`);
    en.push(`**Host**: ${userText(data.host.name, budget.place)}`);
  }
  if (data.recorder) {
    zh.push(`**记录人**：${userText(data.recorder.name, budget.place)}`);
    en.push(`**Recorder**: ${userText(data.recorder.name, budget.place)}`);
  }
  if (group) {
    zh.push(`**党小组**：${group}`);
    en.push(`**Party group**: ${group}`);
  }
  if (agenda) {
    zh.push(`**议程**：\n${agenda}`);
    en.push(`**Agenda**:\n${agenda}`);
  }
  return markdown({ zh: zh.join("\n"), en: en.join("\n") });
}

/** One "label：names" line per non-empty list. */
function nameLines(lists: { label: I18nText; people: PersonRef[] }[], max: number): I18nText {
  const lines = lists
    .filter((list) => list.people.length > 0)
    .map((list) => {
      const names = namesList(list.people, max);
      return { zh: `${list.label.zh}：${names.zh}`, en: `${list.label.en}: ${names.en}` };
    });
  return { zh: lines.map((l) => l.zh).join("\n"), en: lines.map((l) => l.en).join("\n") };
}

function withBody(heading: I18nText, body: I18nText): I18nText {
  if (!body.zh) return heading;
  return { zh: `${heading.zh}\n${body.zh}`, en: `${heading.en}\n${body.en}` };
}

/**
 * "参加 N · 请假 N · 未回复 N" (and "· 已签到 N" when anyone has) over 应到 only, then who, then
 * 列席 and 自愿参加 by name.
 */
function liveCountsElement(data: MeetingCardData, budget: Budget): CardElement {
  const zh = [`参加 ${data.attending.length}`, `请假 ${data.leave.length}`, `未回复 ${data.pending.length}`];
  const en = [
    `Attending ${data.attending.length}`,
    `On leave ${data.leave.length}`,
    `No reply ${data.pending.length}`,
  ];
  if (data.checkedIn.length > 0) {
    zh.push(`已签到 ${data.checkedIn.length}`);
    en.push(`Checked in ${data.checkedIn.length}`);
  }
  const heading = { zh: `**${zh.join(" · ")}**`, en: `**${en.join(" · ")}**` };
  // Leave reasons stay private: only names are shown.
  const names = nameLines(
    [
      { label: i18n("参加", "Attending"), people: data.attending },
      { label: i18n("请假", "On leave"), people: data.leave },
      { label: i18n("未回复", "No reply"), people: data.pending },
      { label: i18n("已签到", "Checked in"), people: data.checkedIn },
      ...notCounted(data.observers, data.voluntary),
    ],
    budget.names,
  );
  return markdown(withBody(heading, names));
}

/** 列席 (activists, targets) and 自愿参加 (exempt or away): shown by name, never in the counts. */
function notCounted(observers: PersonRef[] = [], voluntary: PersonRef[] = []) {
  return [
    { label: i18n("列席（不计应到）", "Observers (not counted)"), people: observers },
    { label: i18n("自愿参加（不计应到）", "Voluntary (not counted)"), people: voluntary },
  ];
}

/** The closed meeting's record: "应到 N · 实到 N · 请假 N · 缺席 N" and who. */
function recordElement(record: NonNullable<MeetingCardData["record"]>, budget: Budget): CardElement {
  const heading = {
    zh: `**应到 ${record.expected.length} · 实到 ${record.present.length} · 请假 ${record.leave.length} · 缺席 ${record.absent.length}**`,
    en: `**Expected ${record.expected.length} · Present ${record.present.length} · On leave ${record.leave.length} · Absent ${record.absent.length}**`,
  };
  const names = nameLines(
    [
      { label: i18n("实到", "Present"), people: record.present },
      { label: i18n("请假", "On leave"), people: record.leave },
      { label: i18n("缺席", "Absent"), people: record.absent },
      ...notCounted(record.observers, record.voluntary),
    ],
    budget.names,
  );
  return markdown(withBody(heading, names));
}

/** The 参加 / 请假 form: an optional reason and two submit buttons carrying the answer. */
function rsvpForm(data: MeetingCardData): CardElement {
  const value = (response: "attend" | "leave") => ({
    action: CARD_ACTIONS.meetingRsvp,
    meetingId: data.id,
    response,
  });
  return {
    tag: "form",
    name: MEETING_CARD_FORM.form,
    elements: [
      {
        tag: "input",
        name: MEETING_CARD_FORM.reason,
        required: false,
        max_length: LEAVE_REASON_MAX,
        width: "fill",
        placeholder: plainText(i18n("请假事由（请假时必填）", "Reason for leave (required when on leave)")),
      },
      columnRow([
        button({
          text: i18n("参加", "Attend"),
          type: "primary",
          value: value("attend"),
          formSubmitName: MEETING_CARD_FORM.attendButton,
        }),
        button({
          text: i18n("请假", "Leave"),
          type: "default",
          value: value("leave"),
          formSubmitName: MEETING_CARD_FORM.leaveButton,
        }),
      ]),
    ],
  };
}

function checkinButton(data: MeetingCardData): CardElement {
  return button({
    text: i18n("签到", "Check in"),
    type: "primary_filled",
    value: { action: CARD_ACTIONS.meetingCheckin, meetingId: data.id },
  });
}

function build(data: MeetingCardData, budget: Budget): Card {
  const title = titleText(data, budget);
  const time = formatTimeRange(data.startAt, data.durationMin, data.timeZone);
  const elements: CardElement[] = [detailsElement(data, budget), hr()];

  if (data.status === "scheduled") {
    elements.push(liveCountsElement(data, budget));
    if (data.checkinOpen) elements.push(checkinButton(data));
    elements.push(rsvpForm(data));
  } else if (data.status === "cancelled") {
    elements.push(markdown(i18n("**本次会议已取消。**", "**This meeting has been cancelled.**")));
  } else {
    elements.push(data.record ? recordElement(data.record, budget) : liveCountsElement(data, budget));
    if (data.minutes.trim()) {
      elements.push(hr(), markdown(i18n("**会议纪要**", "**Minutes**")));
      elements.push(markdown(userText(data.minutes, budget.minutes)));
    }
  }
  elements.push(hr(), recordFooter(data.label, i18n("会议", "Meeting"), "/会议"));

  return card({
    header: header(title, meetingHeaderTemplate(data), statusSubtitle(data)),
    elements,
    summary: { zh: `${title.zh} ${time.zh}`, en: `${title.en} ${time.en}` },
  });
}

/**
 * The meeting card for its current state. Lists are cut to a few names ("等 K 人") and long texts
 * shortened, so the card stays within Lark's limits for any branch size.
 */
export function meetingCard(data: MeetingCardData): Card {
  return buildWithinBudgets(BUDGETS, (budget) => build(data, budget));
}
