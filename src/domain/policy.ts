import type { Member, MemberRole } from "../db/models/member.js";

/**
 * Who may do what: the one place that decides permissions and words the refusals. Commands
 * declare a `Permission`; card actions ask for one; help lists only what `allowed` lets through.
 *
 * `admin` is ZHIBU_ADMINS only (and admins pass every other check); secretaries pass
 * `committee`; `org` is a secretary of an organisation (党委 / 总支).
 */
export type Permission = "anyone" | "member" | "committee" | "secretary" | "org" | "admin";

/** What a decision needs to know about the person asking. */
export interface Asker {
  member: Pick<Member, "active" | "role"> | null;
  isAdmin: boolean;
  isOrgSecretary?: boolean;
}

export function isAdmin(admins: readonly string[], openId: string): boolean {
  return admins.includes(openId);
}

/** The person's role in the branch while they are an active member; null otherwise. */
export function activeRole(member: Pick<Member, "active" | "role"> | null): MemberRole | null {
  return member?.active ? member.role : null;
}

export function allowed(permission: Permission, asker: Asker): boolean {
  if (asker.isAdmin) return true;
  const role = activeRole(asker.member);
  switch (permission) {
    case "anyone":
      return true;
    case "member":
      return role !== null;
    case "committee":
      return role === "secretary" || role === "committee";
    case "secretary":
      return role === "secretary";
    case "org":
      return asker.isOrgSecretary === true;
    case "admin":
      return false;
  }
}

/** The reply to someone who lacks `permission`. */
export const REFUSALS: Record<Permission, string> = {
  anyone: "",
  member: "抱歉，此命令仅限本支部党员使用。",
  committee: "抱歉，此命令仅限支部书记和支委使用。",
  secretary: "抱歉，此命令仅限支部书记使用。",
  org: "抱歉，此命令仅限上级组织（党委、总支）的书记和系统管理员使用；支部书记请用 /统计 查看本支部。",
  admin: "抱歉，此命令仅限系统管理员（ZHIBU_ADMINS）使用。",
};

/** How help names the asker: 管理员, the branch role, or 访客. */
export function askerTitle(asker: Asker): string {
  if (asker.isAdmin) return "管理员";
  const role = activeRole(asker.member);
  return role ? { secretary: "书记", committee: "支委", member: "党员" }[role] : "访客";
}
