import type { MeetingTypeId } from "../domain/meetingTypes.js";

export interface PersonRef {
  openId: string;
  name: string;
}

/** Everything a meeting card shows; computed by domain/meetings.ts, rendered by cards/meeting.ts. */
export interface MeetingCardData {
  id: string; // "M12"
  type: MeetingTypeId;
  title: string;
  startAt: Date;
  durationMin: number;
  place: string;
  agenda: string;
  partyGroup: string | null;
  status: "scheduled" | "cancelled" | "closed";
  attending: PersonRef[];
  leave: (PersonRef & { reason: string })[];
  pending: PersonRef[];
  checkedIn: PersonRef[];
  /** True from 30 minutes before the start until the end, while the meeting is open. */
  checkinOpen: boolean;
  /** The frozen record once closed. */
  record: { expected: PersonRef[]; present: PersonRef[]; leave: PersonRef[]; absent: PersonRef[] } | null;
  minutes: string;
  timeZone: string; // e.g. Asia/Shanghai, for formatting times
}

/** `action` values carried by card buttons; actions/index.ts routes on them. */
export const CARD_ACTIONS = {
  meetingRsvp: "meeting.rsvp", // value: { meetingId, response: "attend" | "leave" }, form: { reason }
  meetingCheckin: "meeting.checkin", // value: { meetingId }
  meetingCreate: "meeting.create", // form card submit; form: type, title, date, time, place, duration, agenda
} as const;

/** Everything a study card shows; computed by domain/study.ts, rendered by cards/study.ts. */
export interface StudyCardData {
  id: string; // "S3"
  title: string;
  link: string | null;
  text: string; // the material itself or a note; may be ""
  deadline: Date; // the end of the deadline day in the branch's time zone
  hours: number; // 学时 credited for it, e.g. 2 or 1.5
  scope: "branch" | "committee" | "group";
  partyGroup: string | null;
  status: "open" | "closed";
  confirmedCount: number;
  expectedCount: number; // members in scope
  /** Who has not confirmed yet (the card shows the first few and "等 K 人"). */
  pending: PersonRef[];
  /** True once the deadline has passed (confirmations are still taken, marked late). */
  overdue: boolean;
  timeZone: string;
}

export const STUDY_ACTIONS = {
  confirm: "study.confirm", // value: { studyId }, form: { reflection }
  create: "study.create", // form card submit; form: title, link, text, deadline, hours, scope, partyGroup
} as const;
