import { z } from "zod";
import { escapeText } from "../cards/escape.js";
import { joinRequestCard, roleOfferCard, switchCard, ORG_ACTIONS, type SwitchChoice } from "../cards/org.js";
import type { Branch, OrgRequest } from "../db/models/branch.js";
import type { Member, MemberRole, PendingRole } from "../db/models/member.js";
import type { Organisation } from "../db/models/organisation.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { AppDeps } from "../deps.js";
import { activeMemberships, answerRole, choosePrivateBranch, findMember } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { decideJoin, decidersOf, findOrgById, mayGovern } from "../domain/orgs.js";
import type { CardAnswer } from "../lark/types.js";
import { action } from "./types.js";

export const ROLE_NAMES: Record<MemberRole, { zh: string; en: string }> = {
  secretary: { zh: "书记", en: "secretary" },
  committee: { zh: "支委", en: "committee member" },
  member: { zh: "党员", en: "member" },
};

type Deps = Pick<AppDeps, "models" | "clock" | "config" | "delivery">;

/** A person's name as some roster knows it (the branch's first), else `fallback`. */
async function nameOf(
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

const dm = (
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

const idField = z.string().min(1).max(64);

/** 同意 / 拒绝 on a join request: an organisation secretary or an admin; the first click decides. */
const join = action({
  name: ORG_ACTIONS.join,
  input: z.object({ decision: z.enum(["approve", "refuse"]), branchId: idField, requestId: idField }),
  async run({ deps, action: click }, input): Promise<CardAnswer> {
    const branch = await deps.models.Branch.findById(input.branchId).lean<Branch>();
    const request = branch?.orgRequest ?? null;
    const org = request?.orgId ? await findOrgById(deps.models, request.orgId) : null;
    const admins = deps.config.ZHIBU_ADMINS;
    if (!branch || !request || request.id !== input.requestId || !org) {
      if (
        !admins.includes(click.operatorOpenId) &&
        !(await deps.models.Organisation.exists({ secretaries: click.operatorOpenId }))
      ) {
        throw new UserError("只有该组织的书记或系统管理员可以审批。");
      }
      return { toast: { type: "info", content: "此申请已处理或已撤回。" } };
    }
    if (!mayGovern(org, click.operatorOpenId, admins)) {
      throw new UserError("只有该组织的书记或系统管理员可以审批。");
    }
    const { changed } = await decideJoin(deps.models, { ...input, requestId: request.id });
    const byName = await nameOf(
      deps,
      click.operatorOpenId,
      null,
      admins.includes(click.operatorOpenId) ? "管理员" : "组织书记",
    );
    const requesterName = await nameOf(deps, request.requestedBy, branch._id, "支部书记");
    const cardData = {
      branchId: branch._id,
      branchName: branch.name,
      orgName: org.name,
      requesterName,
      requestId: request.id,
    };
    if (!changed) {
      return {
        toast: { type: "info", content: "此申请已处理或已撤回。" },
        card: { type: "raw", data: joinRequestCard({ ...cardData, decided: { decision: "gone", byName } }) },
      };
    }
    const approved = input.decision === "approve";
    await dm(
      deps,
      `org-join:${branch._id}:${request.id}:decided`,
      branch._id,
      request.requestedBy,
      approved
        ? `「${org.name}」已同意「${branch.name}」加入。`
        : `「${org.name}」拒绝了「${branch.name}」的加入申请，本支部暂不属于任何上级组织。如有疑问请联系该组织的书记。`,
      `「${branch.name}」加入「${org.name}」的审批结果`,
    );
    deps.delivery.wake();
    return {
      toast: {
        type: "success",
        content: approved ? `已同意「${branch.name}」加入` : `已拒绝「${branch.name}」`,
      },
      card: {
        type: "raw",
        data: joinRequestCard({ ...cardData, decided: { decision: input.decision, byName } }),
      },
    };
  },
});

/** 接受 / 拒绝 on a role offer: only the person offered it; the first click decides. */
const role = action({
  name: ORG_ACTIONS.role,
  input: z.object({ decision: z.enum(["accept", "decline"]), branchId: idField, requestId: idField }),
  async run({ deps, action: click }, input): Promise<CardAnswer> {
    const offered = await deps.models.Member.findOne({
      branchId: input.branchId,
      "pendingRole.id": input.requestId,
    }).lean<Member>();
    if (offered && offered.openId !== click.operatorOpenId) {
      throw new UserError("只有被任命者本人可以确认。");
    }
    const branch = await deps.models.Branch.findById(input.branchId).lean<Branch>();
    const { member, pending, changed } = await answerRole(deps.models, {
      branchId: input.branchId,
      openId: click.operatorOpenId,
      requestId: input.requestId,
      accept: input.decision === "accept",
    });
    if (!branch || !member || !pending || !changed) {
      return { toast: { type: "info", content: "此任命已处理或已撤回。" } };
    }
    const roleName = ROLE_NAMES[pending.role as MemberRole];
    const accepted = input.decision === "accept";
    await dm(
      deps,
      `role-offer:${branch._id}:${pending.id}:answered`,
      branch._id,
      pending.by,
      accepted
        ? `${member.name || member.openId} 已接受「${branch.name}」${roleName.zh}任命。`
        : `${member.name || member.openId} 拒绝了「${branch.name}」${roleName.zh}任命，其角色不变。`,
      `「${branch.name}」${roleName.zh}任命的答复`,
    );
    deps.delivery.wake();
    const byName = await nameOf(deps, pending.by, branch._id, "支部书记");
    return {
      toast: {
        type: "success",
        content: accepted ? `你现在是「${branch.name}」的${roleName.zh}` : "已拒绝，角色不变",
      },
      card: {
        type: "raw",
        data: roleOfferCard({
          branchId: branch._id,
          branchName: branch.name,
          roleName,
          byName,
          requestId: pending.id,
          decided: input.decision,
        }),
      },
    };
  },
});

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

/** A button of the /切换 card: only the person themselves, and only a branch they are a member of. */
const switchBranch = action({
  name: ORG_ACTIONS.switch,
  input: z.object({ branchId: idField }),
  async run({ deps, action: click }, input): Promise<CardAnswer> {
    const branch = await choosePrivateBranch(deps.models, click.operatorOpenId, input.branchId);
    return {
      toast: { type: "success", content: `私聊命令现在代表「${branch.name}」` },
      card: { type: "raw", data: switchCard(await switchChoices(deps, click.operatorOpenId)) },
    };
  },
});

export const organisationActions = [join, role, switchBranch];
