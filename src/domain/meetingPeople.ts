import { trusted } from "../db/connection.js";
import type { Models } from "../db/models/index.js";
import type { Meeting } from "../db/models/meeting.js";
import { UserError } from "./errors.js";
import { meetingLabel } from "./meetingNumbers.js";
import { findMembersByName } from "./roster.js";
import type { PersonRef } from "./people.js";

/** Who chairs a meeting (主持人) and who takes its minutes (记录人), as a 台账 records them. */
export const MEETING_ROLES = { host: "主持人", recorder: "记录人" } as const;
export type MeetingRole = keyof typeof MEETING_ROLES;

/** A choice as typed or picked: someone by open id (@ or a form's picker), by name, or nobody. */
export type PersonChoice = { openId: string } | { name: string } | "none";

/** The host and recorder with their names in the branch (the open id when unnamed). */
export async function meetingPeople(
  models: Models,
  meeting: Pick<Meeting, "branchId"> & { host?: string | null; recorder?: string | null },
): Promise<{ host: PersonRef | null; recorder: PersonRef | null }> {
  const ids = [meeting.host, meeting.recorder].filter((id): id is string => !!id);
  if (ids.length === 0) return { host: null, recorder: null };
  const members = await models.Member.find(
    { branchId: meeting.branchId, openId: trusted({ $in: ids }) },
    { openId: 1, name: 1 },
  ).lean();
  const ref = (openId: string | null | undefined): PersonRef | null => {
    if (!openId) return null;
    const found = members.find((m) => m.openId === openId);
    return { openId, name: found?.name || openId };
  };
  return { host: ref(meeting.host), recorder: ref(meeting.recorder) };
}

/**
 * The open id a choice names, refused unless it is someone on the branch's roster (a 主持人 from
 * outside the branch would make the 台账 wrong); null for "nobody".
 */
export async function resolveMeetingPerson(
  models: Models,
  branchId: string,
  role: MeetingRole,
  choice: PersonChoice,
): Promise<string | null> {
  if (choice === "none") return null;
  const label = MEETING_ROLES[role];
  if ("openId" in choice) {
    const member = await models.Member.exists({ branchId, openId: choice.openId, active: true });
    if (!member) throw new UserError(`${label}不是本支部的在册人员`);
    return choice.openId;
  }
  const named = await findMembersByName(models, branchId, choice.name);
  if (named.length === 0) throw new UserError(`${label}「${choice.name}」不是本支部的在册人员`);
  if (named.length > 1)
    throw new UserError(`本支部有 ${named.length} 人名为「${choice.name}」，${label}请用 @ 指定`);
  return named[0]!.openId;
}

/** The active people of a branch who have a name, by name: the choices for 主持人 / 记录人. */
export async function rosterPeople(models: Models, branchId: string): Promise<PersonRef[]> {
  const members = await models.Member.find({ branchId, active: true }, { openId: 1, name: 1 }).lean();
  return members
    .filter((m) => m.openId && m.name)
    .map((m) => ({ openId: m.openId, name: m.name }))
    .sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
}

/** Records the host and/or recorder of a meeting (not of a cancelled one). */
export async function setMeetingPeople(
  models: Models,
  meeting: Meeting,
  people: { host?: string | null; recorder?: string | null },
): Promise<void> {
  if (meeting.status === "cancelled") throw new UserError(`会议 ${meetingLabel(meeting)} 已取消，不能再修改`);
  const set: Record<string, string | null> = {};
  if (people.host !== undefined) set.host = people.host;
  if (people.recorder !== undefined) set.recorder = people.recorder;
  if (Object.keys(set).length > 0) await models.Meeting.updateOne({ _id: meeting._id }, { $set: set });
}
