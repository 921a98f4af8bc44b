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
