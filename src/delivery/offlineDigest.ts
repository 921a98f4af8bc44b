import { escapeText } from "../cards/escape.js";
import { isOfflineKey, type Member } from "../db/models/member.js";
import type { Models } from "../db/models/index.js";
import type { Clock } from "../domain/clock.js";
import { enqueueMessage } from "./outbox.js";

/** The first line of every digest of what people on no chat need to be told in person. */
export const OFFLINE_DIGEST_HEADING = "以下未使用飞书的党员需要您当面提醒：";

/** A person on no chat (onFeishu false, or a roster key "offline_…"): never sent to. */
export function isOffline(member: Pick<Member, "openId"> & Partial<Pick<Member, "onFeishu">>): boolean {
  return member.onFeishu === false || isOfflineKey(member.openId);
}

/** The open ids of a branch's people on no chat. */
export async function offlineOpenIds(models: Models, branchId: string): Promise<Set<string>> {
  const offline = await models.Member.find({ branchId, onFeishu: false }, { openId: 1 }).lean<
    Pick<Member, "openId">[]
  >();
  return new Set(offline.map((m) => m.openId));
}

/**
 * What the bot would have sent privately to people on no chat, as ONE message per run to each
 * 书记 of the branch: `【subject】以下未使用飞书的党员需要您当面提醒：` and one line per person.
 * Keyed `${keyPrefix}:offline:${secretary}`, so the same run is told once. Returns how many
 * secretaries it was queued for (0 when there are no lines).
 */
export async function enqueueOfflineDigest(
  deps: { models: Models; clock: Clock },
  request: { branchId: string; keyPrefix: string; subject: string; lines: string[] },
): Promise<number> {
  if (request.lines.length === 0) return 0;
  const secretaries = await deps.models.Member.find({
    branchId: request.branchId,
    role: "secretary",
    active: true,
  }).lean<Member[]>();
  const text = `【${request.subject}】${OFFLINE_DIGEST_HEADING}\n${request.lines.map((l) => `· ${l}`).join("\n")}`;
  let queued = 0;
  for (const secretary of secretaries) {
    if (isOffline(secretary)) continue;
    const sent = await enqueueMessage(deps.models, deps.clock, {
      key: `${request.keyPrefix}:offline:${secretary.openId}`,
      branchId: request.branchId,
      target: { openId: secretary.openId },
      content: { text: escapeText(text) },
      description: `${request.subject}：未使用飞书的党员（${request.lines.length} 人）`,
    });
    if (sent) queued++;
  }
  return queued;
}
