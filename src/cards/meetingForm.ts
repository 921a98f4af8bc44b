/**
 * The "new meeting" form card (sent for `/会议 新建` without arguments). Submitting it calls back
 * with `action.value = { action: "meeting.create" }` and `action.form_value` keyed by the field
 * names below. Lark sends picker values with the user's offset: date "2026-11-24 +0800", time
 * "14:30 +0800"; the handler reads the date and time as wall time in the branch's time zone.
 */
import { DEFAULT_MEETING_MINUTES } from "../../config/meetings.js";
import { MEETING_TYPES } from "../domain/meetingTypes.js";
import {
  buildWithinBudgets,
  card,
  escapeMarkdown,
  header,
  i18n,
  markdown,
  type Card,
  type CardElement,
} from "./common.js";
import {
  formCard,
  formDatePicker,
  formInput,
  formPartyGroupRow,
  formRow,
  formSelect,
  formTimePicker,
  PARTY_GROUP_BUDGETS,
  type PartyGroupBudget,
} from "./form.js";
import { CARD_ACTIONS } from "./types.js";

/** `form_value` keys of the new-meeting form. */
export const MEETING_FORM_FIELDS = {
  type: "type",
  title: "title",
  date: "date",
  time: "time",
  place: "place",
  duration: "duration",
  agenda: "agenda",
  partyGroup: "partyGroup",
  host: "host",
  recorder: "recorder",
} as const;

/** A branch larger than this names its 主持人 / 记录人 in the command (a long select is unusable). */
export const MEETING_FORM_MAX_PEOPLE = 60;

/** Who may be picked as 主持人 / 记录人: the branch's roster, by name. */
export interface FormPerson {
  openId: string;
  name: string;
}

interface MeetingFormOptions {
  timeZone: string;
  partyGroups: string[];
  people?: FormPerson[];
}

export const MEETING_FORM_NAME = "meeting_create";
export const MEETING_FORM_SUBMIT = "meeting_create_submit";

/** Input limits on the form (the handler validates again). */
export const MEETING_FORM_LIMITS = { title: 100, place: 100, duration: 4, agenda: 1000 } as const;

/** The form card to create a meeting: type, title, date, time, place, duration, agenda, 党小组. */
export function newMeetingFormCard(options: MeetingFormOptions): Card {
  return buildWithinBudgets(PARTY_GROUP_BUDGETS, (budget) => build(options, budget));
}

function build(options: MeetingFormOptions, budget: PartyGroupBudget): Card {
  const fields: CardElement[] = [
    formRow(
      i18n("类型", "Type"),
      true,
      formSelect(
        MEETING_FORM_FIELDS.type,
        i18n("选择会议类型", "Choose a type"),
        true,
        MEETING_TYPES.map((type) => ({ text: i18n(type.zh, type.en), value: type.id })),
      ),
    ),
    formRow(
      i18n("标题", "Title"),
      true,
      formInput(MEETING_FORM_FIELDS.title, i18n("会议标题", "Meeting title"), {
        required: true,
        maxLength: MEETING_FORM_LIMITS.title,
      }),
    ),
    formRow(
      i18n("日期", "Date"),
      true,
      formDatePicker(MEETING_FORM_FIELDS.date, i18n("选择日期", "Pick a date")),
    ),
    formRow(
      i18n("开始时间", "Start time"),
      true,
      formTimePicker(MEETING_FORM_FIELDS.time, i18n("选择时间", "Pick a time")),
    ),
    formRow(
      i18n("地点", "Place"),
      false,
      formInput(MEETING_FORM_FIELDS.place, i18n("会议地点", "Where"), {
        maxLength: MEETING_FORM_LIMITS.place,
      }),
    ),
    formRow(
      i18n("时长（分钟）", "Duration (min)"),
      false,
      formInput(MEETING_FORM_FIELDS.duration, i18n("分钟", "minutes"), {
        maxLength: MEETING_FORM_LIMITS.duration,
        defaultValue: String(DEFAULT_MEETING_MINUTES),
      }),
    ),
    formRow(
      i18n("议程", "Agenda"),
      false,
      formInput(MEETING_FORM_FIELDS.agenda, i18n("议程（可多行）", "Agenda (several lines allowed)"), {
        maxLength: MEETING_FORM_LIMITS.agenda,
        multiline: true,
      }),
    ),
  ];
  const groupRow = formPartyGroupRow(
    MEETING_FORM_FIELDS.partyGroup,
    {
      select: i18n("不选则为全支部", "Leave empty for the whole branch"),
      input: i18n(
        "输入党小组全称（可用 /党员 查看），不填则为全支部",
        "Type the party group's full name; leave empty for the whole branch",
      ),
    },
    options.partyGroups,
    budget,
  );
  if (groupRow) fields.push(groupRow);
  const people = options.people ?? [];
  if (people.length > 0 && people.length <= MEETING_FORM_MAX_PEOPLE) {
    const choices = people.map((p) => ({ text: i18n(p.name, p.name), value: p.openId }));
    const pick = i18n("从本支部名册中选择", "Pick from the branch roster");
    fields.push(
      formRow(i18n("主持人", "Host"), false, formSelect(MEETING_FORM_FIELDS.host, pick, false, choices)),
      formRow(
        i18n("记录人", "Recorder"),
        false,
        formSelect(MEETING_FORM_FIELDS.recorder, pick, false, choices),
      ),
    );
  }

  const zone = escapeMarkdown(options.timeZone);
  return formCard({
    title: i18n("新建会议", "New meeting"),
    template: "blue",
    note: { zh: `日期和时间按 ${zone} 时间。`, en: `Date and time are in ${zone}.` },
    formName: MEETING_FORM_NAME,
    fields,
    submit: {
      text: i18n("创建会议", "Create meeting"),
      value: { action: CARD_ACTIONS.meetingCreate },
      name: MEETING_FORM_SUBMIT,
    },
  });
}

/** Replaces a submitted form, so the same form cannot create a second meeting. */
export function meetingCreatedCard(meeting: { id: string; title: string; startText: string }): Card {
  return card({
    header: header(i18n("会议已创建", "Meeting created"), "green"),
    elements: [
      markdown(
        i18n(
          `**${meeting.id}** ${escapeMarkdown(meeting.title)}\n${meeting.startText}\n通知卡片已发到支部群。`,
          `**${meeting.id}** ${escapeMarkdown(meeting.title)}\n${meeting.startText}\nThe announcement is in the branch chat.`,
        ),
      ),
    ],
  });
}
