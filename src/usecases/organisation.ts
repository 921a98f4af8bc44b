import { escapeText } from "../cards/escape.js";
import { joinRequestCard, roleOfferCard, type SwitchChoice } from "../cards/org.js";
import type { Branch, OrgRequest } from "../db/models/branch.js";
import type { Member, MemberRole, PendingRole } from "../db/models/member.js";
import type { Organisation } from "../db/models/organisation.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { AppDeps } from "../deps.js";
import { activeMemberships, findMember } from "../domain/branches.js";
import { decidersOf } from "../domain/orgs.js";

export const ROLE_NAMES: Record<MemberRole, { zh: string; en: string }> = {
  secretary: { zh: "书记", en: "secretary" },
  committee: { zh: "支委", en: "committee member" },
  member: { zh: "党员", en: "member" },
};

type Deps = Pick<AppDeps, "models" | "clock" | "config" | "delivery">;

/** A person's name as some roster knows it (the branch's first), else `fallback`. */
export async function nameOf(
  deps: Deps,
  openId: string,
  branchId: string | null,
  fallback: string,
): Promise<string> {
  const member =
    (branchId ? await findMember(deps.models, branchId, openId) : null) ??
    (await deps.models.Member.findOne({ openId }).lean<Member>());
  return member?.name || fallback;
}

/** A text DM to `openId` through the outbox (person-typed parts escaped), once per `key`. */
export const dm = (
  deps: Deps,
  key: string,
  branchId: string | null,
  openId: string,
  text: string,
  description: string,
) =>
  enqueueMessage(deps.models, deps.clock, {
    key,
    branchId,
    target: { openId },
    content: { text: escapeText(text) },
    description,
  });

/**
 * Sends the approval card of a branch's request to whoever decides for `org` (its secretaries,
 * or the admins while it has none), by DM through the outbox. One card per request and person
 * (keyed by both), so sending again is a no-op. `only`: to that one person instead (who the
 * caller checked may decide: /组织 申请, a newly appointed secretary).
 */
export async function sendJoinCards(
  deps: Deps,
  branch: Pick<Branch, "_id" | "name">,
  org: Organisation,
  request: OrgRequest,
  only?: string,
): Promise<number> {
  const deciders = only !== undefined ? [only] : decidersOf(org, deps.config.ZHIBU_ADMINS);
  const requesterName = await nameOf(deps, request.requestedBy, branch._id, "支部书记");
  for (const openId of deciders) {
    await enqueueMessage(deps.models, deps.clock, {
      key: `org-join:${branch._id}:${request.id}:${openId}`,
      branchId: branch._id,
      target: { openId },
      content: {
        card: joinRequestCard({
          branchId: branch._id,
          branchName: branch.name,
          orgName: org.name,
          requesterName,
          requestId: request.id,
        }),
      },
      description: `「${branch.name}」申请加入「${org.name}」，待审批`,
    });
  }
  deps.delivery.wake();
  return deciders.length;
}

/** Sends the offered person the card to accept or decline a role (once per offer). */
export async function sendRoleOffer(
  deps: Deps,
  branch: Pick<Branch, "_id" | "name">,
  openId: string,
  pending: PendingRole,
): Promise<void> {
  const byName = await nameOf(deps, pending.by, branch._id, "支部书记");
  await enqueueMessage(deps.models, deps.clock, {
    key: `role-offer:${branch._id}:${pending.id}`,
    branchId: branch._id,
    target: { openId },
    content: {
      card: roleOfferCard({
        branchId: branch._id,
        branchName: branch.name,
        roleName: ROLE_NAMES[pending.role as MemberRole],
        byName,
        requestId: pending.id,
      }),
    },
    description: `「${branch.name}」${ROLE_NAMES[pending.role as MemberRole].zh}任命，待本人确认`,
  });
  deps.delivery.wake();
}

/** The person's branches for /切换, the one their private chat acts for marked. */
export async function switchChoices(deps: Pick<AppDeps, "models">, openId: string): Promise<SwitchChoice[]> {
  const [memberships, person] = await Promise.all([
    activeMemberships(deps.models, openId),
    deps.models.Person.findById(openId).lean<{ privateBranchId: string | null }>(),
  ]);
  const chosen =
    memberships.find((m) => m.branch._id === person?.privateBranchId)?.branch._id ??
    (memberships.length === 1 ? memberships[0]!.branch._id : null);
  return memberships.map(({ branch, member }) => ({
    branchId: branch._id,
    branchName: branch.name,
    roleName: ROLE_NAMES[member.role].zh,
    current: branch._id === chosen,
  }));
}
