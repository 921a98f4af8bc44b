import { transferCard, type TransferCardData } from "../cards/transfer.js";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import type { Transfer } from "../db/models/transfer.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { AppDeps } from "../deps.js";
import { formatDay } from "../domain/roster.js";
import type { Decision } from "../domain/transferMove.js";
import { STATUS_ZH, statusOf } from "../domain/whoCounts.js";
import { dm } from "./organisation.js";

type Deps = Pick<AppDeps, "models" | "clock" | "config" | "delivery">;

/** The active 书记 on Feishu of a branch (people on no chat are never sent anything). */
async function secretariesOf(deps: Deps, branchId: string): Promise<Member[]> {
  const secretaries = await deps.models.Member.find({ branchId, role: "secretary", active: true }).lean<
    Member[]
  >();
  return secretaries.filter((s) => s.onFeishu !== false);
}

/** What the acceptance card shows, from the transfer and the member as they stand. */
export async function transferCardData(deps: Deps, transfer: Transfer): Promise<TransferCardData> {
  const tz = deps.config.TZ;
  const [member, from, to] = await Promise.all([
    deps.models.Member.findOne({ branchId: transfer.branchId, openId: transfer.openId }).lean<Member>(),
    deps.models.Branch.findById(transfer.branchId, { name: 1 }).lean<Pick<Branch, "name">>(),
    deps.models.Branch.findById(transfer.toBranchId, { name: 1 }).lean<Pick<Branch, "name">>(),
  ]);
  return {
    transferId: transfer._id,
    name: transfer.name,
    statusZh: STATUS_ZH[statusOf(member ?? {})],
    fromBranch: from?.name ?? transfer.branchId,
    toBranch: to?.name ?? transfer.toBranchId ?? "",
    letterNo: transfer.letterNo ?? "",
    issuedAt: formatDay(transfer.issuedAt, tz),
    validUntil: formatDay(transfer.validUntil, tz),
    duesPaidTo: transfer.duesPaidTo ?? "",
  };
}

/**
 * Sends the receiving branch's 书记 the card to accept or decline (once per transfer and
 * secretary, through the outbox). Returns how many were sent one.
 */
export async function announceTransfer(deps: Deps, transfer: Transfer): Promise<number> {
  if (!transfer.toBranchId) return 0;
  const secretaries = await secretariesOf(deps, transfer.toBranchId);
  const data = await transferCardData(deps, transfer);
  for (const secretary of secretaries) {
    await enqueueMessage(deps.models, deps.clock, {
      key: `transfer:${transfer._id}:card:${secretary.openId}`,
      branchId: transfer.toBranchId,
      target: { openId: secretary.openId },
      content: { card: transferCard(data) },
      description: `「${data.fromBranch}」转来 ${transfer.name}，待接收`,
    });
  }
  deps.delivery.wake();
  return secretaries.length;
}

/** Tells the sending branch's 书记 what the receiving branch decided (once per transfer). */
export async function tellDecision(
  deps: Deps,
  transfer: Transfer,
  outcome: Decision,
  byName: string,
): Promise<void> {
  const data = await transferCardData(deps, transfer);
  const text =
    outcome === "accepted"
      ? `【组织关系转接】「${data.toBranch}」${byName} 已接收 ${transfer.name}（${transfer._id}），回执已自动登记；${transfer.name} 已从本支部名册转出。`
      : `【组织关系转接】「${data.toBranch}」${byName} 未接收 ${transfer.name}（${transfer._id}）。${transfer.name} 仍在本支部名册，重新计入应到、学习和党费；请与对方联系后重新办理。`;
  for (const secretary of await secretariesOf(deps, transfer.branchId)) {
    await dm(
      deps,
      `transfer:${transfer._id}:${outcome}:${secretary.openId}`,
      transfer.branchId,
      secretary.openId,
      text,
      `转接 ${transfer._id} ${outcome === "accepted" ? "已接收" : "未接收"}`,
    );
  }
  deps.delivery.wake();
}

/**
 * Tells the receiving branch's 书记 that the sending branch withdrew a transfer they were asked to
 * accept (once per transfer and secretary); their card then answers 已撤销. Returns how many.
 */
export async function tellCancelled(deps: Deps, transfer: Transfer): Promise<number> {
  if (!transfer.toBranchId) return 0;
  const data = await transferCardData(deps, transfer);
  const secretaries = await secretariesOf(deps, transfer.toBranchId);
  for (const secretary of secretaries) {
    await dm(
      deps,
      `transfer:${transfer._id}:cancelled:${secretary.openId}`,
      transfer.toBranchId,
      secretary.openId,
      `【组织关系转接】「${data.fromBranch}」已撤销 ${transfer.name}（${transfer._id}）的转接，此前发来的接收卡片无需处理。`,
      `转接 ${transfer._id} 已撤销`,
    );
  }
  deps.delivery.wake();
  return secretaries.length;
}
