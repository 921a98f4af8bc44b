import { z } from "zod";
import { joinRequestCard, roleOfferCard, switchCard, ORG_ACTIONS } from "../cards/org.js";
import type { Branch } from "../db/models/branch.js";
import type { Member, MemberRole } from "../db/models/member.js";
import { answerRole, choosePrivateBranch } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import { decideJoin, findOrgById, mayGovern } from "../domain/orgs.js";
import type { CardAnswer } from "../lark/types.js";
import { dm, nameOf, ROLE_NAMES, switchChoices } from "../usecases/organisation.js";
import { action } from "./types.js";

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
