import { randomUUID } from "node:crypto";
import type { Branch, OrgRequest } from "../db/models/branch.js";
import type { Models } from "../db/models/index.js";
import type { Organisation } from "../db/models/organisation.js";
import { isDuplicateKeyError, trusted } from "../db/connection.js";
import { UserError } from "./errors.js";
import { insertWithShortId } from "./shortId.js";

/**
 * Organisations (党委 / 总支) and the branches that belong to them. An organisation is created by
 * an admin and has its own secretaries; a branch asks to join and belongs to it only once one of
 * those secretaries (or an admin) approves. Every step is one single-document write: the request
 * lives on the branch, and a decision is a compare-and-set on the request's id (a second click,
 * or a second decider, changes nothing).
 */

export const ORG_NAME_MAX = 60;

/** An organisation by exact name or by short id (O3, o3). */
export async function findOrg(models: Models, nameOrId: string): Promise<Organisation | null> {
  const text = nameOrId.trim();
  if (/^[Oo]\d{1,9}$/.test(text)) {
    const byId = await models.Organisation.findById(text.toUpperCase()).lean<Organisation>();
    if (byId) return byId;
  }
  return models.Organisation.findOne({ name: text }).lean<Organisation>();
}

export async function findOrgById(models: Models, id: string): Promise<Organisation | null> {
  return models.Organisation.findById(id).lean<Organisation>();
}

/** The organisations in which `openId` is a secretary. */
export async function orgsOfSecretary(models: Models, openId: string): Promise<Organisation[]> {
  return models.Organisation.find({ secretaries: openId }).sort({ seq: 1 }).lean<Organisation[]>();
}

export async function listOrgs(models: Models): Promise<Organisation[]> {
  return models.Organisation.find({}).sort({ seq: 1 }).lean<Organisation[]>();
}

/**
 * Creates an organisation (one per name: creating it again returns the existing one). Pending
 * requests that named it before it existed are linked to it (returned, to be sent for approval).
 */
export async function createOrg(
  models: Models,
  input: { name: string; createdBy: string },
): Promise<{ org: Organisation; created: boolean; linked: Branch[] }> {
  let org: Organisation;
  let created = true;
  try {
    org = await insertWithShortId<Organisation>(models.Organisation, "O", {
      name: input.name,
      secretaries: [],
      createdBy: input.createdBy,
    });
  } catch (error) {
    // The unique name index: it exists already (or a concurrent create won).
    if (!isDuplicateKeyError(error)) throw error;
    const existing = await models.Organisation.findOne({ name: input.name }).lean<Organisation>();
    if (!existing) throw error;
    org = existing;
    created = false;
  }
  const linked = await linkNamedRequests(models, org);
  return { org, created, linked };
}

/** Requests naming `org` by text only (free-text parents, migrated) now point to it. */
async function linkNamedRequests(models: Models, org: Organisation): Promise<Branch[]> {
  const waiting = await models.Branch.find({ "orgRequest.orgName": org.name, "orgRequest.orgId": null }).lean<
    Branch[]
  >();
  const linked: Branch[] = [];
  for (const branch of waiting) {
    const result = await models.Branch.updateOne(
      { _id: branch._id, "orgRequest.id": branch.orgRequest!.id, "orgRequest.orgId": null },
      { $set: { "orgRequest.orgId": org._id } },
    );
    if (result.modifiedCount === 1) {
      linked.push({ ...branch, orgRequest: { ...branch.orgRequest!, orgId: org._id } });
    }
  }
  return linked;
}

/** Adds secretaries to an organisation (already there: no change). */
export async function addOrgSecretaries(models: Models, orgId: string, openIds: string[]): Promise<void> {
  await models.Organisation.updateOne({ _id: orgId }, { $addToSet: { secretaries: { $each: openIds } } });
}

export async function removeOrgSecretaries(models: Models, orgId: string, openIds: string[]): Promise<void> {
  await models.Organisation.updateOne({ _id: orgId }, { $pull: { secretaries: { $in: openIds } } });
}

/** May `openId` decide on requests to `orgId` / see its roll-up? Its secretaries and admins. */
export function mayGovern(org: Pick<Organisation, "secretaries">, openId: string, admins: string[]): boolean {
  return admins.includes(openId) || org.secretaries.includes(openId);
}

/**
 * Who decides on requests to `org`: its secretaries, or the admins while it has none.
 */
export function decidersOf(org: Pick<Organisation, "secretaries">, admins: string[]): string[] {
  return org.secretaries.length > 0 ? [...org.secretaries] : [...admins];
}

/**
 * A branch asks to join `org`. Idempotent: a pending request to the same organisation is
 * returned as is (so a command run twice sends no second card); a request to another one
 * replaces it. A branch already in `org` is told so.
 */
export async function requestJoin(
  models: Models,
  input: { branchId: string; org: Organisation; requestedBy: string; now: Date },
): Promise<{ request: OrgRequest; created: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const branch = await models.Branch.findById(input.branchId).lean<Branch>();
    if (!branch) throw new UserError("找不到该支部。");
    if (branch.orgId === input.org._id) throw new UserError(`本支部已属于「${input.org.name}」。`);
    const current = branch.orgRequest ?? null;
    if (current?.orgId === input.org._id) return { request: current, created: false };
    const request: OrgRequest = {
      id: randomUUID(),
      orgId: input.org._id,
      orgName: input.org.name,
      requestedBy: input.requestedBy,
      requestedAt: input.now,
      migrated: false,
    };
    const filter = current
      ? { _id: branch._id, "orgRequest.id": current.id }
      : { _id: branch._id, orgRequest: null };
    const result = await models.Branch.updateOne(filter, { $set: { orgRequest: request } });
    if (result.modifiedCount === 1) return { request, created: true };
  }
  throw new Error(`could not record the join request of ${input.branchId}`);
}

export type JoinDecision = "approve" | "refuse";

/**
 * Decides on a branch's request (the caller has checked that the decider may). Returns the
 * branch as it was and whether this call made the change: false when the request was decided
 * already or replaced by another one (a second click, another decider).
 */
export async function decideJoin(
  models: Models,
  input: { branchId: string; requestId: string; decision: JoinDecision },
): Promise<{ branch: Branch | null; request: OrgRequest | null; changed: boolean }> {
  const branch = await models.Branch.findById(input.branchId).lean<Branch>();
  const request = branch?.orgRequest ?? null;
  if (!branch || !request || request.id !== input.requestId || !request.orgId) {
    return { branch, request: null, changed: false };
  }
  const result = await models.Branch.updateOne(
    { _id: branch._id, "orgRequest.id": request.id },
    input.decision === "approve"
      ? { $set: { orgId: request.orgId, orgRequest: null } }
      : { $set: { orgRequest: null } },
  );
  return { branch, request, changed: result.modifiedCount === 1 };
}

/** Pending requests toward any of `orgIds` (or every pending request, text-only ones too, when null). */
export async function pendingRequests(models: Models, orgIds: string[] | null): Promise<Branch[]> {
  const filter =
    orgIds === null
      ? { orgRequest: trusted({ $ne: null }) }
      : { "orgRequest.orgId": trusted({ $in: orgIds }) };
  return models.Branch.find(filter).sort({ seq: 1 }).lean<Branch[]>();
}

/** The branches of an organisation. */
export async function branchesOfOrg(models: Models, orgId: string): Promise<Branch[]> {
  return models.Branch.find({ orgId }).sort({ seq: 1 }).lean<Branch[]>();
}

/**
 * Free-text parents from before organisations were records (`parentOrg`) become pending
 * requests, never memberships: toward the organisation of that name if it exists, else as text
 * an admin sees (linked when the organisation is created). Idempotent: each branch is rewritten
 * once, by a compare-and-set on its old text. Returns the requests made toward existing organisations.
 */
export async function migrateParentOrgs(models: Models, now: Date): Promise<Branch[]> {
  const legacy = await models.Branch.find({ parentOrg: trusted({ $nin: [null, ""] }) }).lean<Branch[]>();
  const linked: Branch[] = [];
  for (const branch of legacy) {
    const name = branch.parentOrg!.trim();
    if (branch.orgId || branch.orgRequest || !name) {
      await models.Branch.updateOne(
        { _id: branch._id, parentOrg: branch.parentOrg },
        { $set: { parentOrg: null } },
      );
      continue;
    }
    const org = await models.Organisation.findOne({ name }).lean<Organisation>();
    const request: OrgRequest = {
      id: randomUUID(),
      orgId: org?._id ?? null,
      orgName: name,
      requestedBy: branch.createdBy,
      requestedAt: now,
      migrated: true,
    };
    const result = await models.Branch.updateOne(
      { _id: branch._id, parentOrg: branch.parentOrg, orgRequest: null, orgId: null },
      { $set: { orgRequest: request, parentOrg: null } },
    );
    if (result.modifiedCount === 1 && org) linked.push({ ...branch, orgRequest: request, parentOrg: null });
  }
  return linked;
}
