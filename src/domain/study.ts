import { DateTime } from "luxon";
import { REFLECTION_MAX, STUDY_HOURS_MAX, STUDY_HOURS_MIN } from "../../config/study.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import type { Models } from "../db/models/index.js";
import {
  STUDY_SCOPES,
  type StudyConfirmation,
  type StudyModels,
  type StudyScope,
  type StudyTask,
} from "../db/models/study.js";
import { DEFAULT_TIME_ZONE, type MemberDoc } from "./attendance.js";
import type { Clock } from "./clock.js";
import { UserError } from "./errors.js";
import { cachedRead } from "../db/readCache.js";
import type { PersonRef } from "./people.js";
import { insertWithShortId } from "./shortId.js";
import { studyStanding } from "./whoCounts.js";

/**
 * 学习任务 (study tasks) and 已学习 confirmations.
 *
 * Decisions:
 * - The deadline is a day: stored as its last millisecond in the branch's time zone. Today is a
 *   valid deadline; an earlier day is refused.
 * - A confirmation after the deadline is accepted and marked `late`; a closed task takes none.
 * - Confirming twice keeps the first time and `late`; a new non-empty 心得 replaces the old one.
 * - The scope follows whoCounts.ts `studyStanding`: Party members (正式 + 预备) of the branch,
 *   the committee or that 党小组; exempt or away members may confirm but are not counted. It is
 *   evaluated live, so counts on the card cover the current scope only.
 * - Queries go by exact index fields (the local server uses an index only when every queried
 *   field is in it); the rest is filtered in code.
 */

export { STUDY_SCOPES, type StudyConfirmation, type StudyModels, type StudyScope, type StudyTask };

/** What the study functions need: the meeting models plus the two study models. */
export type StudyDeps = Pick<Models, "Member" | "Meeting" | "Attendance"> & StudyModels;

export const STUDY_TITLE_MAX = 100;
export const STUDY_TEXT_MAX = 2000;
export const STUDY_LINK_MAX = 2000;

const length = (text: string) => [...text].length;

/** "11月30日" in the given zone. */
export function formatStudyDeadline(deadline: Date, timeZone = DEFAULT_TIME_ZONE): string {
  return DateTime.fromJSDate(deadline, { zone: timeZone }).toFormat("M月d日");
}

/**
 * Whether a person may confirm a task: a Party member in its scope (whoCounts.ts
 * `studyStanding`), counted or, while exempt or away, voluntarily. Activists and others may not.
 */
export function memberInStudyScope(
  member: Parameters<typeof studyStanding>[0],
  study: Pick<StudyTask, "scope" | "partyGroup">,
  at: Date = new Date(),
): boolean {
  if (!STUDY_SCOPES.includes(study.scope as StudyScope)) return false;
  return studyStanding(member, study, at) !== "none";
}

/** Counted for completion, reminders and 学时: in scope and not exempt or away at `at`. */
export function countedInStudy(
  member: Parameters<typeof studyStanding>[0],
  study: Pick<StudyTask, "scope" | "partyGroup">,
  at: Date = new Date(),
): boolean {
  if (!STUDY_SCOPES.includes(study.scope as StudyScope)) return false;
  return studyStanding(member, study, at) === "expected";
}

/** "仅限书记和支委": who a task is for, for refusals and listings. */
export function describeStudyScope(study: Pick<StudyTask, "scope" | "partyGroup">): string {
  if (study.scope === "committee") return "仅限书记和支委";
  if (study.scope === "group") return `仅限党小组「${study.partyGroup ?? ""}」的党员`;
  return "本支部全体党员";
}

/** Active members of a branch in roster order; concurrent callers share one read. */
function activeRoster(models: StudyDeps, branchId: string): Promise<MemberDoc[]> {
  return cachedRead(models.Member, `study-roster:${branchId}`, () =>
    models.Member.find({ branchId, active: true }).sort({ _id: 1 }).lean<MemberDoc[]>(),
  );
}

/**
 * The members a task counts (Party members in its scope, not exempt or away at `at`), in roster
 * order: its completion, reminders and 未完成 list.
 */
export async function studyScopeMembers(
  models: StudyDeps,
  study: Pick<StudyTask, "branchId" | "scope" | "partyGroup">,
  at: Date = new Date(),
): Promise<MemberDoc[]> {
  const roster = await activeRoster(models, study.branchId);
  return roster.filter((member) => countedInStudy(member, study, at));
}

/** When a task's scope freezes: its close or its deadline, whichever came first. */
export function studyFreezeAt(study: Pick<StudyTask, "deadline" | "closedAt">): Date {
  const closedAt = study.closedAt ?? null;
  return closedAt && closedAt.getTime() < study.deadline.getTime() ? closedAt : study.deadline;
}

/** A task is frozen once it is closed or its deadline has passed. */
export function studyShouldFreeze(study: Pick<StudyTask, "status" | "deadline">, now: Date): boolean {
  return study.status === "closed" || now.getTime() > study.deadline.getTime();
}

/**
 * Freezes a task's scope (`expected`, the openIds it counts at studyFreezeAt) from `roster` (the
 * branch's active members); idempotent: only a task not frozen yet is written, and the list
 * written first stays. Returns the frozen list.
 */
export async function freezeStudyScope(
  models: StudyModels,
  study: Pick<StudyTask, "_id" | "scope" | "partyGroup" | "deadline" | "closedAt">,
  roster: readonly (Parameters<typeof countedInStudy>[0] & { openId: string })[],
): Promise<string[]> {
  const at = studyFreezeAt(study);
  const expected = roster.filter((member) => countedInStudy(member, study, at)).map((m) => m.openId);
  const result = await models.StudyTask.updateOne({ _id: study._id, expected: null }, { $set: { expected } });
  if (result.matchedCount > 0) return expected;
  const frozen = await models.StudyTask.findById(study._id, { expected: 1 }).lean<
    Pick<StudyTask, "expected">
  >();
  return frozen?.expected ?? expected;
}

export interface CreateStudyInput {
  branchId: string;
  chatId: string;
  title: string;
  link?: string | null;
  text?: string;
  /** The deadline day, "YYYY-MM-DD", in `timeZone`. */
  deadlineDate: string;
  hours: number;
  scope: StudyScope;
  /** Required for scope "group", ignored otherwise. */
  partyGroup?: string | null;
  createdBy: string;
  /** The Lark message id of the command: a redelivery returns the task it already created. */
  sourceKey: string;
  timeZone: string;
}

/** "2026-11-30" → the end of that day in the zone; null if it is not such a date. */
export function deadlineFromDate(deadlineDate: string, timeZone: string): Date | null {
  const text = deadlineDate.trim();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  const day = DateTime.fromISO(text, { zone: timeZone });
  return day.isValid ? day.endOf("day").toJSDate() : null;
}

function normaliseLink(link: string | null | undefined): string | null {
  const text = (link ?? "").trim();
  if (text === "") return null;
  const refuse = () => new UserError("链接须为以 http:// 或 https:// 开头的网址");
  if (length(text) > STUDY_LINK_MAX) throw new UserError(`链接不能超过 ${STUDY_LINK_MAX} 字`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse();
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refuse();
  return text;
}

export function isValidStudyHours(hours: unknown): hours is number {
  return (
    typeof hours === "number" &&
    Number.isFinite(hours) &&
    Number.isInteger(hours * 2) &&
    hours >= STUDY_HOURS_MIN &&
    hours <= STUDY_HOURS_MAX
  );
}

export async function createStudy(
  models: StudyDeps,
  clock: Clock,
  input: CreateStudyInput,
): Promise<{ study: StudyTask; created: boolean }> {
  // A redelivered command answers with what it created, even if its deadline has passed since.
  const existing = await models.StudyTask.findOne({ sourceKey: input.sourceKey }).lean<StudyTask>();
  if (existing) return { study: existing, created: false };

  const title = input.title.trim();
  if (title === "") throw new UserError("学习任务标题不能为空");
  if (length(title) > STUDY_TITLE_MAX) throw new UserError(`学习任务标题不能超过 ${STUDY_TITLE_MAX} 字`);
  const link = normaliseLink(input.link);
  const text = (input.text ?? "").trim();
  if (length(text) > STUDY_TEXT_MAX) throw new UserError(`学习内容不能超过 ${STUDY_TEXT_MAX} 字`);

  const deadline = deadlineFromDate(input.deadlineDate, input.timeZone);
  if (!deadline) throw new UserError(`截止日期「${input.deadlineDate}」无效，格式应为 2026-11-30`);
  if (deadline.getTime() < clock.now().getTime()) {
    const day = formatStudyDeadline(deadline, input.timeZone);
    throw new UserError(`截止日期 ${day} 已经过去，请填写今天或以后的日期`);
  }
  if (!isValidStudyHours(input.hours)) {
    throw new UserError(`学时须为 ${STUDY_HOURS_MIN} 到 ${STUDY_HOURS_MAX} 之间、以 0.5 为单位的数字`);
  }
  if (!STUDY_SCOPES.includes(input.scope)) throw new UserError(`未知的学习范围：${String(input.scope)}`);

  let partyGroup: string | null = null;
  if (input.scope === "group") {
    partyGroup = (input.partyGroup ?? "").trim();
    if (partyGroup === "") throw new UserError("按党小组布置需指定党小组，例如 党小组=第一党小组");
    const roster = await activeRoster(models, input.branchId);
    if (!roster.some((member) => member.partyGroup === partyGroup)) {
      throw new UserError(`本支部没有属于党小组「${partyGroup}」的在册党员`);
    }
  }

  try {
    const study = await insertWithShortId<StudyTask>(models.StudyTask, "S", {
      branchId: input.branchId,
      chatId: input.chatId,
      title,
      link,
      text,
      deadline,
      hours: input.hours,
      scope: input.scope,
      partyGroup,
      status: "open",
      cardMessageId: null,
      createdBy: input.createdBy,
      sourceKey: input.sourceKey,
      // The injected clock, not the wall clock: reminders compare it with their due times.
      createdAt: clock.now(),
      closedAt: null,
    });
    return { study, created: true };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    // A concurrent delivery of the same command won the unique sourceKey.
    const winner = await models.StudyTask.findOne({ sourceKey: input.sourceKey }).lean<StudyTask>();
    if (!winner) throw error;
    return { study: winner, created: false };
  }
}

/** Remembers the message that shows the study card, so confirmations can refresh it. */
export async function setStudyCardMessageId(
  models: StudyModels,
  studyId: string,
  messageId: string,
): Promise<void> {
  await models.StudyTask.updateOne({ _id: studyId }, { $set: { cardMessageId: messageId } });
}

/** Normalises a typed id ("s3", " S3 ") to "S3"; null if it is not one. */
export function normaliseStudyId(id: string): string | null {
  const normalised = id.trim().toUpperCase();
  return /^S\d+$/.test(normalised) ? normalised : null;
}

/** The task with this id in this branch (another branch's task is not found). */
export async function findStudy(
  models: StudyModels,
  branchId: string,
  id: string,
): Promise<StudyTask | null> {
  const studyId = normaliseStudyId(id);
  if (!studyId) return null;
  // By _id alone, so the query stays on its index; the branch is checked here.
  const study = await models.StudyTask.findById(studyId).lean<StudyTask>();
  return study?.branchId === branchId ? study : null;
}

export async function requireStudy(models: StudyModels, studyId: string): Promise<StudyTask> {
  const study = await cachedRead(models.StudyTask, `study:${studyId}`, () =>
    models.StudyTask.findById(studyId).lean<StudyTask>(),
  );
  if (!study) throw new UserError(`未找到学习任务 ${studyId}`);
  return study;
}

/** `/学习 列表`: open tasks first, nearest deadline first, then closed ones newest first. */
export async function listStudies(
  models: StudyModels,
  branchId: string,
  { limit = 10 }: { limit?: number } = {},
): Promise<StudyTask[]> {
  const open = await models.StudyTask.find({ branchId, status: "open" })
    .sort({ deadline: 1, seq: 1 })
    .limit(limit)
    .lean<StudyTask[]>();
  if (open.length >= limit) return open;
  const closed = await models.StudyTask.find({ branchId, status: "closed" })
    .sort({ deadline: -1, seq: -1 })
    .limit(limit - open.length)
    .lean<StudyTask[]>();
  return [...open, ...closed];
}

export interface ConfirmStudyInput {
  studyId: string;
  openId: string;
  reflection?: string;
  /** The branch's zone: the confirmation counts toward the local year it falls in. */
  timeZone: string;
}

/**
 * 已学习, once per person: the first confirmation records the time and whether it was late; a
 * repeat keeps them and only replaces the 心得 when a new non-empty one is given. `changed` is
 * false when nothing new was recorded.
 */
export async function confirmStudy(
  models: StudyDeps,
  clock: Clock,
  input: ConfirmStudyInput,
): Promise<{ changed: boolean; late: boolean; study: StudyTask }> {
  const study = await requireStudy(models, input.studyId);
  if (study.status !== "open") throw new UserError(`学习任务 ${study._id} 已结束，不能再确认`);
  const reflection = (input.reflection ?? "").trim();
  if (length(reflection) > REFLECTION_MAX) throw new UserError(`学习心得不能超过 ${REFLECTION_MAX} 字`);
  const roster = await activeRoster(models, study.branchId);
  const member = roster.find((m) => m.openId === input.openId) ?? null;
  if (!memberInStudyScope(member, study, clock.now())) {
    throw new UserError(`你不在学习任务 ${study._id} 的范围内（${describeStudyScope(study)}），无需确认`);
  }

  const now = clock.now();
  const late = now.getTime() > study.deadline.getTime();
  const key = { taskId: study._id, openId: input.openId };
  // Most confirmations are first ones: one insert; the unique (taskId, openId) index turns a
  // double click or a concurrent duplicate into a duplicate-key error instead of a second record.
  try {
    await models.StudyConfirmation.create({
      ...key,
      branchId: study.branchId,
      confirmedAt: now,
      late,
      reflection,
      hours: study.hours,
      year: DateTime.fromJSDate(now, { zone: input.timeZone }).year,
    });
    return { changed: true, late, study };
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
  }
  const existing = await models.StudyConfirmation.findOne(key).lean<StudyConfirmation>();
  if (!existing) throw new Error(`confirmation of ${study._id} by ${input.openId} vanished`);
  // Compared here: the local server may report a modification for an update that changes nothing.
  if (reflection === "" || reflection === existing.reflection) {
    return { changed: false, late: existing.late, study };
  }
  await models.StudyConfirmation.updateOne(key, { $set: { reflection } });
  return { changed: true, late: existing.late, study };
}

/** open → closed; closing a closed task is refused. */
export async function closeStudy(models: StudyDeps, clock: Clock, studyId: string): Promise<StudyTask> {
  const study = await requireStudy(models, studyId);
  const refuse = () => new UserError(`学习任务 ${study._id} 已结束`);
  if (study.status !== "open") throw refuse();
  const result = await models.StudyTask.updateOne(
    { _id: study._id, status: "open" },
    { $set: { status: "closed", closedAt: clock.now() } },
  );
  if (result.matchedCount === 0) throw refuse();
  // The scope as it was at the close (or the deadline, if that came first) stays the task's.
  await freezeStudyScope(
    models,
    { ...study, closedAt: clock.now() },
    await models.Member.find({ branchId: study.branchId, active: true }).lean<MemberDoc[]>(),
  );
  const closed = await models.StudyTask.findById(study._id).lean<StudyTask>();
  if (!closed) throw new Error(`study ${study._id} vanished`);
  return closed;
}

function confirmationsOf(models: StudyModels, study: StudyTask): Promise<StudyConfirmation[]> {
  return models.StudyConfirmation.find({ taskId: study._id }).lean<StudyConfirmation[]>();
}

const ref = (member: MemberDoc): PersonRef => ({ openId: member.openId, name: member.name || member.openId });

/** In-scope members who have not confirmed: whom a reminder mentions. */
export async function pendingStudyMembers(
  models: StudyDeps,
  study: StudyTask,
  at: Date = new Date(),
): Promise<MemberDoc[]> {
  const [members, confirmations] = await Promise.all([
    studyScopeMembers(models, study, at),
    confirmationsOf(models, study),
  ]);
  const done = new Set(confirmations.map((c) => c.openId));
  return members.filter((member) => !done.has(member.openId));
}

/** How far a task has got: counts cover the current scope; `pending` in roster order. */
export interface StudyProgress {
  confirmedCount: number;
  expectedCount: number; // members in scope
  pending: PersonRef[];
  /** True once the deadline has passed (confirmations are still taken, marked late). */
  overdue: boolean;
}

export async function studyProgress(
  models: StudyDeps,
  clock: Clock,
  study: StudyTask,
): Promise<StudyProgress> {
  const [members, confirmations] = await Promise.all([
    studyScopeMembers(models, study, clock.now()),
    confirmationsOf(models, study),
  ]);
  const done = new Set(confirmations.map((c) => c.openId));
  const pending = members.filter((member) => !done.has(member.openId)).map(ref);
  return {
    confirmedCount: members.length - pending.length,
    expectedCount: members.length,
    pending,
    overdue: clock.now().getTime() > study.deadline.getTime(),
  };
}

export interface StudyDetailRow extends PersonRef {
  confirmedAt: Date;
  late: boolean;
  hours: number;
  /** Only with `withReflections` (secretaries); "" when none was written. */
  reflection?: string;
}

/**
 * `/学习 查看`: every confirmation in confirmation order (including people who have left the
 * scope since), and who in the current scope has not confirmed.
 */
export async function studyDetails(
  models: StudyDeps,
  study: StudyTask,
  { withReflections }: { withReflections: boolean },
): Promise<{ confirmed: StudyDetailRow[]; pending: PersonRef[] }> {
  const [members, confirmations] = await Promise.all([
    studyScopeMembers(models, study),
    confirmationsOf(models, study),
  ]);
  const openIds = [...new Set(confirmations.map((c) => c.openId))];
  const named =
    openIds.length === 0
      ? []
      : await models.Member.find(
          { branchId: study.branchId, openId: trusted({ $in: openIds }) },
          { openId: 1, name: 1 },
        ).lean<Pick<MemberDoc, "openId" | "name">[]>();
  const names = new Map(named.map((m) => [m.openId, m.name]));
  const confirmed = confirmations
    .sort((a, b) => a.confirmedAt.getTime() - b.confirmedAt.getTime())
    .map((c): StudyDetailRow => {
      const row: StudyDetailRow = {
        openId: c.openId,
        name: names.get(c.openId) || c.openId,
        confirmedAt: c.confirmedAt,
        late: c.late,
        hours: c.hours,
      };
      if (withReflections) row.reflection = c.reflection ?? "";
      return row;
    });
  const done = new Set(openIds);
  return { confirmed, pending: members.filter((m) => !done.has(m.openId)).map(ref) };
}
