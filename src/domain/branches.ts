import type { Models } from "../db/models/index.js";
import type { Branch } from "../db/models/branch.js";
import type { Member, MemberRole, PendingRole } from "../db/models/member.js";
import type { Person } from "../db/models/person.js";
import { randomUUID } from "node:crypto";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import { UserError } from "./errors.js";
import { insertWithShortId } from "./shortId.js";

export async function findBranchByChat(models: Models, chatId: string): Promise<Branch | null> {
  return models.Branch.findOne({ chatId }).lean<Branch>();
}

/** The branches in which `openId` is an active member, earliest joined first. */
export async function activeMemberships(
  models: Models,
  openId: string,
): Promise<{ branch: Branch; member: Member }[]> {
  const memberships = await models.Member.find({ openId, active: true })
    .sort({ createdAt: 1 })
    .lean<Member[]>();
  if (memberships.length === 0) return [];
  const branches = await models.Branch.find({
    _id: trusted({ $in: memberships.map((m) => m.branchId) }),
  }).lean<Branch[]>();
  const byId = new Map(branches.map((b) => [b._id, b]));
  return memberships.flatMap((member) => {
    const branch = byId.get(member.branchId);
    return branch ? [{ branch, member }] : [];
  });
}

/**
 * The branch a private chat speaks for: the one the person chose (/切换) while they are still an
 * active member there, else their only branch. In several branches with none chosen, none
 * (`ambiguous`): the person must choose, so that a roster someone else synced them into never
 * decides what their private commands do.
 */
export async function findBranchForUser(
  models: Models,
  openId: string,
): Promise<{ branch: Branch; member: Member } | { ambiguous: true } | null> {
  const [memberships, person] = await Promise.all([
    activeMemberships(models, openId),
    models.Person.findById(openId).lean<Person>(),
  ]);
  const chosen = memberships.find((m) => m.branch._id === person?.privateBranchId);
  if (chosen) return chosen;
  if (memberships.length === 1) return memberships[0]!;
  return memberships.length === 0 ? null : { ambiguous: true };
}

/** Records the branch `openId`'s private chat acts for; they must be an active member there. */
export async function choosePrivateBranch(models: Models, openId: string, branchId: string): Promise<Branch> {
  const member = await findMember(models, branchId, openId);
  const branch = member?.active ? await models.Branch.findById(branchId).lean<Branch>() : null;
  if (!branch) throw new UserError("你不是该支部的在册党员，不能切换到该支部。");
  const update = { $set: { privateBranchId: branchId } };
  try {
    await models.Person.updateOne({ _id: openId }, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await models.Person.updateOne({ _id: openId }, update);
  }
  return branch;
}

/**
 * The branch a chat speaks for, and the person's membership in it: the branch bound to the chat,
 * or — where the chat is not bound and `ownIfUnbound` (a private chat) — the person's own branch
 * (`ambiguous` when they are in several and chose none).
 */
export async function branchAndMember(
  models: Models,
  chatId: string,
  openId: string,
  { ownIfUnbound }: { ownIfUnbound: boolean },
): Promise<{ branch: Branch | null; member: Member | null; ambiguous: boolean }> {
  const branch = await findBranchByChat(models, chatId);
  if (branch) return { branch, member: await findMember(models, branch._id, openId), ambiguous: false };
  if (!ownIfUnbound) return { branch: null, member: null, ambiguous: false };
  const own = await findBranchForUser(models, openId);
  if (own && "ambiguous" in own) return { branch: null, member: null, ambiguous: true };
  return { branch: own?.branch ?? null, member: own?.member ?? null, ambiguous: false };
}

/** What a private chat says to someone in several branches who has not chosen one. */
export const CHOOSE_BRANCH_TEXT =
  "你是多个支部的在册党员，请先发送 /切换 选择私聊时代表的支部（只有你自己能选择）。";

export async function findMember(models: Models, branchId: string, openId: string): Promise<Member | null> {
  return models.Member.findOne({ branchId, openId }).lean<Member>();
}

/** Binds a chat to a new branch; the binder becomes its secretary. One branch per chat. */
export async function bindBranch(
  models: Models,
  input: { chatId: string; name: string; binder: { openId: string; name: string } },
): Promise<{ branch: Branch; created: boolean }> {
  const existing = await findBranchByChat(models, input.chatId);
  if (existing) {
    if (existing.name === input.name) return { branch: existing, created: false };
    throw new UserError(`本群已绑定支部「${existing.name}」（${existing._id}），一个群只能绑定一个支部。`);
  }
  let branch: Branch;
  try {
    branch = await insertWithShortId<Branch>(models.Branch, "B", {
      name: input.name,
      chatId: input.chatId,
      orgId: null,
      orgRequest: null,
      parentOrg: null,
      createdBy: input.binder.openId,
    });
  } catch (error) {
    // Two binds racing in one chat: the unique chatId index lets one win.
    if (!isDuplicateKeyError(error)) throw error;
    const winner = await findBranchByChat(models, input.chatId);
    if (winner?.name === input.name) return { branch: winner, created: false };
    throw new UserError(`本群已绑定支部「${winner?.name ?? ""}」，一个群只能绑定一个支部。`);
  }
  await upsertMember(models, branch._id, input.binder, { role: "secretary" });
  return { branch, created: true };
}

/**
 * Insert-or-update one member; a concurrent insert (11000) is retried as the update. `onInsert`
 * is written only when the document is new (a sync gives new people the status 待确认).
 */
async function upsertMember(
  models: Models,
  branchId: string,
  person: { openId: string; name: string },
  set: Partial<{ role: MemberRole; active: boolean }> = {},
  onInsert: Partial<Pick<Member, "status">> = {},
): Promise<void> {
  const update = {
    $set: { name: person.name, active: true, leftAt: null, ...set },
    $setOnInsert: { ...(set.role ? {} : { role: "member" }), ...onInsert },
  };
  try {
    await models.Member.updateOne({ branchId, openId: person.openId }, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await models.Member.updateOne({ branchId, openId: person.openId }, update);
  }
}

/** A chat member whose name is that of a person on no chat: the same person, if the secretary says so. */
export interface NameMatch {
  openId: string;
  name: string;
  offlineKey: string;
}

/**
 * Makes the roster match the chat: everyone in it is an active member (roles and statuses kept),
 * everyone who left becomes inactive with their history kept. New people arrive as 待确认
 * (`unconfirmed`, counted nowhere) until a secretary gives each a status. A new person whose name
 * is that of an active person on no chat is not added (`matches`): the secretary confirms whether
 * they are the same person (linkOffline) or not (addUnconfirmed); nothing is linked silently.
 * People on no chat are never made inactive by a sync. Safe to run any number of times.
 * A branch always keeps an active secretary: when every active secretary has left the chat,
 * they stay active secretaries (`keptSecretaries`) until a new one is appointed and accepts.
 */
export async function syncMembers(
  models: Models,
  branchId: string,
  chatMembers: { openId: string; name: string }[],
  now: Date,
): Promise<{
  total: number;
  added: number;
  deactivated: number;
  keptSecretaries: Member[];
  matches: NameMatch[];
}> {
  const before = await models.Member.find(
    { branchId },
    { openId: 1, active: 1, role: 1, name: 1, onFeishu: 1, transferOut: 1 },
  ).lean<Member[]>();
  const known = new Map(before.map((m) => [m.openId, m.active]));
  // Someone transferred out (组织关系转出) may still be in the chat: a sync never brings them back.
  const transferred = new Set(before.filter((m) => m.transferOut).map((m) => m.openId));
  const offlineByName = new Map(
    before.filter((m) => m.active && m.onFeishu === false && m.name).map((m) => [m.name, m.openId]),
  );
  let added = 0;
  const matches: NameMatch[] = [];
  for (const person of chatMembers) {
    if (transferred.has(person.openId)) continue;
    const offlineKey = known.has(person.openId) ? undefined : offlineByName.get(person.name);
    if (offlineKey) {
      matches.push({ openId: person.openId, name: person.name, offlineKey });
      continue;
    }
    if (known.get(person.openId) !== true) added++;
    await upsertMember(models, branchId, person, {}, { status: "unconfirmed" });
  }
  const present = new Set(chatMembers.map((m) => m.openId));
  const secretaries = before.filter((m) => m.active && m.role === "secretary");
  const kept = secretaries.some((m) => present.has(m.openId))
    ? []
    : secretaries.filter((m) => !present.has(m.openId));
  const left = await models.Member.updateMany(
    {
      branchId,
      active: true,
      onFeishu: trusted({ $ne: false }),
      openId: trusted({ $nin: [...present, ...kept.map((m) => m.openId)] }),
    },
    { $set: { active: false, leftAt: now, pendingRole: null } },
  );
  return {
    total: chatMembers.length,
    added,
    deactivated: left.modifiedCount,
    keptSecretaries: kept,
    matches,
  };
}

/** The secretary said a name match is not the same person: they join as 待确认. */
export async function addUnconfirmed(
  models: Models,
  branchId: string,
  person: { openId: string; name: string },
): Promise<void> {
  await upsertMember(models, branchId, person, {}, { status: "unconfirmed" });
}

/**
 * The secretary confirmed that a chat member is the person on no chat of the same name: the
 * offline entry takes the open id (onFeishu true), keeping its status, history and record. A 待确认
 * entry the chat member may have got meanwhile is dropped. False if the entry is gone or linked.
 */
export async function linkOffline(
  models: Models,
  branchId: string,
  match: { openId: string; name: string; offlineKey: string },
): Promise<boolean> {
  const existing = await findMember(models, branchId, match.openId);
  if (existing && existing.status !== "unconfirmed") return false;
  const offline = await findMember(models, branchId, match.offlineKey);
  if (!offline?.active || offline.onFeishu !== false) return false;
  if (existing) await models.Member.deleteOne({ branchId, openId: match.openId, status: "unconfirmed" });
  const result = await models.Member.updateOne(
    { branchId, openId: match.offlineKey, onFeishu: false },
    { $set: { openId: match.openId, onFeishu: true, name: match.name } },
  );
  return result.modifiedCount === 1;
}

/** Active members still 待确认 (found by a sync, no status given yet). */
export async function unconfirmedMembers(models: Models, branchId: string): Promise<Member[]> {
  return models.Member.find({ branchId, active: true, status: "unconfirmed" })
    .sort({ name: 1 })
    .lean<Member[]>();
}

export async function listMembers(models: Models, branchId: string): Promise<Member[]> {
  return models.Member.find({ branchId, active: true }).sort({ role: 1, name: 1 }).lean<Member[]>();
}

const ROLE_RANK: Record<MemberRole, number> = { secretary: 0, committee: 1, member: 2 };

export type RoleChange =
  { kind: "applied" } | { kind: "unchanged" } | { kind: "offered"; pending: PendingRole; created: boolean };

/**
 * Sets a member's role. Giving 书记 or 支委 (a higher role than they have) only offers it: it
 * applies when the person accepts (answerRole), so nobody gets rights in a branch they did not
 * agree to act for. A lower role (or 党员) applies at once and withdraws any offer; the last
 * active secretary cannot step down. Offering the same role again returns the pending offer.
 */
export async function setRole(
  models: Models,
  branchId: string,
  openId: string,
  role: MemberRole,
  offer: { by: string; now: Date },
): Promise<RoleChange> {
  const member = await findMember(models, branchId, openId);
  if (!member?.active) throw new UserError("此人不是本支部的在册党员，请先 /党员 同步。");
  if (ROLE_RANK[role] < ROLE_RANK[member.role]) {
    if (member.pendingRole?.role === role)
      return { kind: "offered", pending: member.pendingRole, created: false };
    const pending: PendingRole = { id: randomUUID(), role, by: offer.by, at: offer.now };
    const filter = member.pendingRole
      ? { branchId, openId, "pendingRole.id": member.pendingRole.id }
      : { branchId, openId, pendingRole: null };
    const result = await models.Member.updateOne(filter, { $set: { pendingRole: pending } });
    if (result.modifiedCount === 1) return { kind: "offered", pending, created: true };
    const now = await findMember(models, branchId, openId);
    if (now?.pendingRole?.role === role) return { kind: "offered", pending: now.pendingRole, created: false };
    throw new UserError("此人的角色正在被修改，请稍后再试。");
  }
  if (member.role === role) {
    if (member.pendingRole) {
      await models.Member.updateOne({ branchId, openId }, { $set: { pendingRole: null } });
      return { kind: "applied" };
    }
    return { kind: "unchanged" };
  }
  if (member.role === "secretary") {
    const secretaries = await models.Member.countDocuments({ branchId, role: "secretary", active: true });
    if (secretaries <= 1) throw new UserError("支部至少需要一名书记：请先任命新书记，再调整此人的角色。");
  }
  await models.Member.updateOne({ branchId, openId }, { $set: { role, pendingRole: null } });
  return { kind: "applied" };
}

/**
 * The person's own answer to a role offer. Compare-and-set on the offer's id: a second click,
 * or an offer withdrawn or replaced meanwhile, changes nothing (`changed: false`).
 */
export async function answerRole(
  models: Models,
  input: { branchId: string; openId: string; requestId: string; accept: boolean },
): Promise<{ member: Member | null; pending: PendingRole | null; changed: boolean }> {
  const member = await findMember(models, input.branchId, input.openId);
  const pending = member?.pendingRole ?? null;
  if (!member?.active || !pending || pending.id !== input.requestId) {
    return { member, pending: null, changed: false };
  }
  const result = await models.Member.updateOne(
    { branchId: input.branchId, openId: input.openId, active: true, "pendingRole.id": pending.id },
    input.accept ? { $set: { role: pending.role, pendingRole: null } } : { $set: { pendingRole: null } },
  );
  return { member, pending, changed: result.modifiedCount === 1 };
}

/** Puts members into a 党小组 (a member is in at most one group). */
export async function setPartyGroup(
  models: Models,
  branchId: string,
  groupName: string,
  openIds: string[],
): Promise<void> {
  const found = await models.Member.countDocuments({
    branchId,
    active: true,
    openId: trusted({ $in: openIds }),
  });
  if (found !== new Set(openIds).size) throw new UserError("有人不是本支部的在册党员，请先 /党员 同步。");
  await models.Member.updateMany(
    { branchId, openId: trusted({ $in: openIds }) },
    { $set: { partyGroup: groupName } },
  );
}

export async function listPartyGroups(models: Models, branchId: string): Promise<string[]> {
  const groups = (await models.Member.distinct("partyGroup", { branchId, active: true })) as (
    string | null
  )[];
  return groups.filter((g): g is string => Boolean(g)).sort();
}
