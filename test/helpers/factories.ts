/**
 * Test documents with sensible defaults (the models' own defaults where they have one, so that
 * leaving a field out stores what the model would), and `seed…` helpers that insert them.
 * Every test passes what it relies on; the defaults only fill what it does not care about.
 */
import type { Branch } from "../../src/db/models/branch.js";
import type { Models } from "../../src/db/models/index.js";
import type { Meeting } from "../../src/db/models/meeting.js";
import type { Member } from "../../src/db/models/member.js";
import type { StudyTask } from "../../src/db/models/study.js";

type Seed<T> = Partial<Omit<T, "createdAt" | "updatedAt">>;
export type BranchSeed = Seed<Branch>;
export type MemberSeed = Seed<Member>;
export type MeetingSeed = Seed<Meeting>;
export type StudySeed = Seed<StudyTask>;

let sequence = 0;
const next = () => ++sequence;

/** The number in a short id ("B12" → 12), or a fresh one. */
const seqOf = (id: string | undefined) => (id && /\d+$/.test(id) ? Number(/\d+$/.exec(id)![0]) : next());

/** A branch; by default B1 「第一党支部」 in oc_b1, bound by ou_sec. */
export function buildBranch(overrides: BranchSeed = {}) {
  const _id = overrides._id ?? "B1";
  return {
    _id,
    seq: seqOf(_id),
    name: "第一党支部",
    chatId: `oc_${_id.toLowerCase()}`,
    createdBy: "ou_sec",
    ...overrides,
  };
}

/** An active ordinary member of B1 with no name and no 党小组 (the model's defaults). */
export function buildMember(overrides: MemberSeed = {}) {
  return {
    branchId: "B1",
    openId: `ou_member_${next()}`,
    name: "",
    role: "member" as const,
    partyGroup: null,
    active: true,
    leftAt: null,
    ...overrides,
  };
}

/** A scheduled 支部党员大会 of B1, 90 minutes, created by ou_sec. */
export function buildMeeting(overrides: MeetingSeed = {}) {
  const seq = overrides.seq ?? seqOf(overrides._id);
  const _id = overrides._id ?? `M${seq}`;
  const branchId = overrides.branchId ?? "B1";
  return {
    _id,
    seq,
    number: seq, // the branch's number people see (M5); tests give each meeting its own
    branchId,
    chatId: `oc_${branchId.toLowerCase()}`,
    type: "branch-assembly" as const,
    title: "支部党员大会",
    startAt: new Date("2026-11-24T06:30:00Z"),
    durationMin: 90,
    status: "scheduled" as const,
    createdBy: "ou_sec",
    sourceKey: `om_meeting_${_id}`,
    ...overrides,
  };
}

/** An open study task of B1 for the whole branch, 2 hours, created by ou_sec. */
export function buildStudy(overrides: StudySeed = {}) {
  const seq = overrides.seq ?? seqOf(overrides._id);
  const _id = overrides._id ?? `S${seq}`;
  const branchId = overrides.branchId ?? "B1";
  return {
    _id,
    seq,
    branchId,
    chatId: `oc_${branchId.toLowerCase()}`,
    title: "学习党章",
    deadline: new Date("2026-11-30T15:59:59.999Z"),
    hours: 2,
    scope: "branch" as const,
    status: "open" as const,
    createdBy: "ou_sec",
    sourceKey: `om_study_${_id}`,
    ...overrides,
  };
}

/** Fields every seed of one call shares (e.g. its branchId). */
type Shared<T> = Partial<T>;

export async function seedBranches(models: Models, seeds: BranchSeed[], shared: Shared<BranchSeed> = {}) {
  await models.Branch.insertMany(seeds.map((seed) => buildBranch({ ...shared, ...seed })));
}

export async function seedBranch(models: Models, overrides: BranchSeed = {}) {
  await seedBranches(models, [overrides]);
}

export async function seedMembers(models: Models, seeds: MemberSeed[], shared: Shared<MemberSeed> = {}) {
  await models.Member.insertMany(seeds.map((seed) => buildMember({ ...shared, ...seed })));
}

export async function seedMeetings(models: Models, seeds: MeetingSeed[], shared: Shared<MeetingSeed> = {}) {
  await models.Meeting.insertMany(seeds.map((seed) => buildMeeting({ ...shared, ...seed })));
}

export async function seedStudies(models: Models, seeds: StudySeed[], shared: Shared<StudySeed> = {}) {
  await models.StudyTask.insertMany(seeds.map((seed) => buildStudy({ ...shared, ...seed })));
}
