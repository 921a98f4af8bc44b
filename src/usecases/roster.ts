import { syncCard, type EditCardData, type SyncMatch } from "../cards/roster.js";
import type { Card } from "../cards/common.js";
import type { Branch } from "../db/models/branch.js";
import type { Member, MemberStatus } from "../db/models/member.js";
import type { AppDeps } from "../deps.js";
import { findMember, unconfirmedMembers } from "../domain/branches.js";
import { formatDay } from "../domain/roster.js";

/** A name match as a card carries it: the chat member's open id and the offline entry's key. */
export type MatchPair = Pick<SyncMatch, "openId" | "offlineKey">;

/**
 * The sync card as it stands now: who is still 待确认, and the name matches not yet answered.
 * Null when nobody waits, unless `always` (a clicked card is always redrawn).
 */
export async function syncCardNow(
  deps: AppDeps,
  branch: Branch,
  matches: MatchPair[],
  summary: string,
  { always = false }: { always?: boolean } = {},
): Promise<Card | null> {
  const unconfirmed = await unconfirmedMembers(deps.models, branch._id);
  const open: SyncMatch[] = [];
  for (const match of matches) {
    const [chatMember, offline] = await Promise.all([
      findMember(deps.models, branch._id, match.openId),
      findMember(deps.models, branch._id, match.offlineKey),
    ]);
    if (!chatMember && offline?.active && offline.onFeishu === false)
      open.push({ ...match, name: offline.name });
  }
  if (!always && unconfirmed.length === 0 && open.length === 0) return null;
  return syncCard({
    branchId: branch._id,
    branchName: branch.name,
    summary,
    unconfirmed: unconfirmed.map((m) => ({ openId: m.openId, name: m.name })),
    matches: open,
  });
}

/** The edit form's fields, filled from the member's record. */
export function editCardData(
  branchId: string,
  member: Member,
  timeZone: string,
  status?: MemberStatus,
): EditCardData {
  const p = member.profile ?? {};
  return {
    branchId,
    openId: member.openId,
    name: member.name || member.openId,
    status: status ?? member.status ?? "full",
    statusSince: formatDay(member.statusSince, timeZone),
    profile: {
      gender: p.gender ?? "",
      ethnicity: p.ethnicity ?? "",
      birthMonth: p.birthMonth ?? "",
      education: p.education ?? "",
      joinedAt: formatDay(p.joinedAt, timeZone),
      fullAt: formatDay(p.fullAt, timeZone),
      partyPost: p.partyPost ?? "",
      phone: p.phone ?? "",
    },
  };
}
