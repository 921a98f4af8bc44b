import { changeStatus } from "../../src/domain/roster.js";
import type { TestBot } from "./testBot.js";

/** The callback values of the buttons of a sent card (by its request body). */
export function cardButtons(body: Record<string, unknown> | undefined): Record<string, unknown>[] {
  const values: Record<string, unknown>[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!node || typeof node !== "object") return;
    const object = node as Record<string, unknown>;
    if (object.tag === "button") {
      const behaviors = object.behaviors as { value: Record<string, unknown> }[];
      values.push(behaviors[0]!.value);
    }
    Object.values(object).forEach(walk);
  };
  walk(JSON.parse(String(body?.content ?? "{}")));
  return values;
}

/**
 * The person offered a role (/角色 … 书记|支委) clicks 接受 on the card sent to them by DM, as
 * they would in Lark. Expects the card among what `t.lark` recorded as sent; the caller expects
 * the DM that tells the offerer (one send).
 */
export async function acceptRoleOffer(
  t: TestBot,
  openId: string,
  decision: "accept" | "decline" = "accept",
): Promise<{ status: number; body: { toast: { type: string; content: string } } }> {
  const card = [...t.lark.sent]
    .reverse()
    .find((s) => s.body.receive_id === openId && JSON.stringify(s.body).includes("role.confirm"));
  const value = cardButtons(card?.body).find((v) => v.decision === decision);
  if (!value) throw new Error(`no role offer card was sent to ${openId}`);
  const answer = await t.click({
    operator: openId,
    value,
    messageId: `om_role_${openId}`,
    chatId: `oc_p2p_${openId}`,
  });
  await t.bot.inbox.idle();
  return answer;
}

/**
 * The secretary's confirmation of everyone a sync brought in as 待确认, as 正式党员 (what the
 * sync card's 确认 does, through the same domain call): for stories whose subject is not the
 * roster itself.
 */
export async function confirmSyncedAsFull(t: TestBot, chatId: string): Promise<void> {
  const branch = await t.db.models.Branch.findOne({ chatId }).lean();
  if (!branch) throw new Error(`no branch bound to ${chatId}`);
  const waiting = await t.db.models.Member.find({ branchId: branch._id, status: "unconfirmed" }).lean();
  for (const member of waiting) {
    await changeStatus(t.db.models, t.clock, {
      branchId: branch._id,
      openId: member.openId,
      status: "full",
      by: branch.createdBy,
      reason: "测试：同步后确认",
    });
  }
}
