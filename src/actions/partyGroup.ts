import { truncate } from "../cards/common.js";
import { listPartyGroups } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import type { Models } from "../db/models/index.js";

/**
 * The 党小组 a form was submitted with, chosen from the select or typed into the input a large
 * branch gets instead (trimmed by the form's schema): it must be the exact name of a group of
 * the branch, else the form is refused before anything is written.
 */
export async function formPartyGroup(
  models: Models,
  branchId: string,
  name: string | undefined,
): Promise<string | undefined> {
  if (name === undefined) return undefined;
  const groups = await listPartyGroups(models, branchId);
  if (groups.includes(name)) return name;
  throw new UserError(
    `本支部没有党小组「${truncate(name, 40)}」，请输入党小组全称（与 /党员 名册中的一致，可复制）。`,
  );
}
