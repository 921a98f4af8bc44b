/** Card view models live in src/presenters/; these are the `action` values card buttons carry. */
/** `action` values carried by card buttons; actions/index.ts routes on them. */
export const CARD_ACTIONS = {
  meetingRsvp: "meeting.rsvp", // value: { meetingId, response: "attend" | "leave" }, form: { reason }
  meetingCheckin: "meeting.checkin", // value: { meetingId }
  meetingCreate: "meeting.create", // form card submit; form: type, title, date, time, place, duration, agenda
} as const;

export const STUDY_ACTIONS = {
  confirm: "study.confirm", // value: { studyId }, form: { reflection }
  create: "study.create", // form card submit; form: title, link, text, deadline, hours, scope, partyGroup
} as const;

export const DEVELOPMENT_ACTIONS = {
  form: "development.form", // value: { branchId, openId, step }: sends that step's form card
  record: "development.record", // form submit; value: { branchId, openId, step }, form: DEVELOPMENT_FORM_FIELDS
} as const;
