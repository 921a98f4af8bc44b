import type { Branch } from "../db/models/branch.js";
import type { AppDeps } from "../deps.js";
import { allowed, isAdmin, type Permission } from "../domain/policy.js";
import { branchAndMember, CHOOSE_BRANCH_TEXT } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import type { CardAction } from "../lark/types.js";

/**
 * The branch a form card was submitted for (the chat's, or the operator's own when the form was
 * sent in a private chat), provided the operator holds `permission` there (committee by default).
 */
export async function committeeBranchOf(
  deps: AppDeps,
  click: CardAction,
  refusal: string,
  permission: Permission = "committee",
): Promise<Branch> {
  const { branch, member, ambiguous } = await branchAndMember(
    deps.models,
    click.chatId,
    click.operatorOpenId,
    {
      ownIfUnbound: true,
    },
  );
  if (!branch) throw new UserError(ambiguous ? CHOOSE_BRANCH_TEXT : "本群还没有绑定支部。");
  const admin = isAdmin(deps.config.ZHIBU_ADMINS, click.operatorOpenId);
  if (!allowed(permission, { member, isAdmin: admin })) throw new UserError(refusal);
  return branch;
}
