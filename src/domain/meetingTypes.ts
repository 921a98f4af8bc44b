import { MEETING_TYPES } from "../../config/meetings.js";

export { MEETING_TYPES };
export type MeetingTypeId = (typeof MEETING_TYPES)[number]["id"];
export type MeetingType = (typeof MEETING_TYPES)[number];

/** Finds a type by its id or its Chinese name (`支委会`, `committee`). */
export function findMeetingType(name: string): MeetingType | undefined {
  const key = name.trim().toLowerCase();
  return MEETING_TYPES.find((type) => type.id === key || type.zh === name.trim());
}

export function meetingTypeById(id: string): MeetingType {
  const type = MEETING_TYPES.find((t) => t.id === id);
  if (!type) throw new Error(`unknown meeting type ${id}`);
  return type;
}
