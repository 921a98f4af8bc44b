import type { Models } from "../db/models/index.js";
import type { Branch } from "../db/models/branch.js";
import type { Member, MemberRole } from "../db/models/member.js";
import { isDuplicateKeyError } from "../db/connection.js";
import { UserError } from "./errors.js";
import { insertWithShortId } from "./shortId.js";

export async function findBranchByChat(models: Models, chatId: string): Promise<Branch | null> {
  return models.Branch.findOne({ chatId }).lean<Branch>();
}

/**
 * The branch a private chat speaks for: the sender's, preferring one where they are secretary,
 * then committee, then the earliest joined.
 */
export async function findBranchForUser(
  models: Models,
  openId: string,
): Promise<{ branch: Branch; member: Member } | null> {
  const memberships = await models.Member.find({ openId, active: true })
    .sort({ createdAt: 1 })
    .lean<Member[]>();
  const rank = (role: string) => (role === "secretary" ? 0 : role === "committee" ? 1 : 2);
  const best = memberships.sort((a, b) => rank(a.role) - rank(b.role))[0];
  if (!best) return null;
  const branch = await models.Branch.findById(best.branchId).lean<Branch>();
  return branch ? { branch, member: best } : null;
}

/**
 * The branch a chat speaks for, and the person's membership in it: the branch bound to the chat,
 * or — where the chat is not bound and `ownIfUnbound` (a private chat) — the person's own branch.
 */
export async function branchAndMember(
  models: Models,
  chatId: string,
  openId: string,
  { ownIfUnbound }: { ownIfUnbound: boolean },
): Promise<{ branch: Branch | null; member: Member | null }> {
  const branch = await findBranchByChat(models, chatId);
  if (branch) return { branch, member: await findMember(models, branch._id, openId) };
  if (!ownIfUnbound) return { branch: null, member: null };
  const own = await findBranchForUser(models, openId);
  return { branch: own?.branch ?? null, member: own?.member ?? null };
}

export async function findMember(models: Models, branchId: string, openId: string): Promise<Member | null> {
  return models.Member.findOne({ branchId, openId }).lean<Member>();
}

/** Binds a chat to a new branch; the binder becomes its secretary. One branch per chat. */
export async function bindBranch(
  models: Models,
  input: { chatId: string; name: string; parentOrg: string | null; binder: { openId: string; name: string } },
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
      parentOrg: input.parentOrg,
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

/** Insert-or-update one member; a concurrent insert (11000) is retried as the update. */
async function upsertMember(
  models: Models,
  branchId: string,
  person: { openId: string; name: string },
  set: Partial<{ role: MemberRole; active: boolean }> = {},
): Promise<void> {
  const update = {
    $set: { name: person.name, active: true, leftAt: null, ...set },
    $setOnInsert: set.role ? {} : { role: "member" },
  };
  try {
    await models.Member.updateOne({ branchId, openId: person.openId }, update, { upsert: true });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    await models.Member.updateOne({ branchId, openId: person.openId }, update);
  }
}

/**
 * Makes the roster match the chat: everyone in it is an active member (roles kept), everyone
 * who left becomes inactive with their history kept. Safe to run any number of times.
 */
export async function syncMembers(
  models: Models,
  branchId: string,
  chatMembers: { openId: string; name: string }[],
  now: Date,
): Promise<{ total: number; added: number; deactivated: number }> {
  const before = await models.Member.find({ branchId }, { openId: 1, active: 1 }).lean<Member[]>();
  const known = new Map(before.map((m) => [m.openId, m.active]));
  let added = 0;
  for (const person of chatMembers) {
    if (known.get(person.openId) !== true) added++;
    await upsertMember(models, branchId, person);
  }
  const present = chatMembers.map((m) => m.openId);
  const left = await models.Member.updateMany(
    { branchId, active: true, openId: { $nin: present } },
    { $set: { active: false, leftAt: now } },
  );
  return { total: chatMembers.length, added, deactivated: left.modifiedCount };
}

export async function listMembers(models: Models, branchId: string): Promise<Member[]> {
  return models.Member.find({ branchId, active: true }).sort({ role: 1, name: 1 }).lean<Member[]>();
}

export async function setRole(
  models: Models,
  branchId: string,
  openId: string,
  role: MemberRole,
): Promise<void> {
  const member = await findMember(models, branchId, openId);
  if (!member?.active) throw new UserError("此人不是本支部的在册党员，请先 /党员 同步。");
  if (member.role === "secretary" && role !== "secretary") {
    const secretaries = await models.Member.countDocuments({ branchId, role: "secretary", active: true });
    if (secretaries <= 1) throw new UserError("支部至少需要一名书记：请先任命新书记，再调整此人的角色。");
  }
  await models.Member.updateOne({ branchId, openId }, { $set: { role } });
}

/** Puts members into a 党小组 (a member is in at most one group). */
export async function setPartyGroup(
  models: Models,
  branchId: string,
  groupName: string,
  openIds: string[],
): Promise<void> {
  const found = await models.Member.countDocuments({ branchId, active: true, openId: { $in: openIds } });
  if (found !== new Set(openIds).size) throw new UserError("有人不是本支部的在册党员，请先 /党员 同步。");
  await models.Member.updateMany({ branchId, openId: { $in: openIds } }, { $set: { partyGroup: groupName } });
}

export async function listPartyGroups(models: Models, branchId: string): Promise<string[]> {
  const groups = (await models.Member.distinct("partyGroup", { branchId, active: true })) as (
    string | null
  )[];
  return groups.filter((g): g is string => Boolean(g)).sort();
}
