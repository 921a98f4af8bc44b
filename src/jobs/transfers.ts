import { TRANSFER_CHECK_HOUR } from "../../config/transfers.js";
import { escapeText } from "../cards/escape.js";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import { enqueueMessage } from "../delivery/outbox.js";
import { formatDay } from "../domain/roster.js";
import { branchSetting } from "../domain/settings.js";
import { expiredWithoutReceipt } from "../domain/transfers.js";
import { forEachIsolated, type Job } from "./types.js";

/** One warning per transfer and secretary: a second run, or the next day, sends nothing. */
export const expiredLetterKey = (transferId: string, to: string) => `transfer:${transferId}:expired:${to}`;

/**
 * 组织关系转接: daily, a letter that expired with no 回执 (or no acceptance by the other branch)
 * is flagged once to each 书记 of the sending branch, which is still responsible for the member
 * (口袋党员). `/设置 转接提醒 关` mutes it for the branch.
 */
export const transferLettersJob: Job = {
  name: "transfer-letters",
  schedule: `0 ${TRANSFER_CHECK_HOUR} * * *`,
  catchUp: true,
  async run(ctx) {
    const { deps } = ctx;
    const tz = deps.config.TZ;
    const expired = await expiredWithoutReceipt(deps.models, ctx.occurrence, tz);
    const branchIds = [...new Set(expired.map((t) => t.branchId))];
    await forEachIsolated(
      ctx,
      this.name,
      branchIds,
      (id) => id,
      async (branchId) => {
        const branch = await deps.models.Branch.findById(branchId).lean<Branch>();
        if (!branch || !branchSetting(branch, "transferReminders")) return;
        const secretaries = (
          await deps.models.Member.find({ branchId, role: "secretary", active: true }).lean<Member[]>()
        ).filter((s) => s.onFeishu !== false);
        for (const transfer of expired.filter((t) => t.branchId === branchId)) {
          const letter = transfer.letterNo ? `（编号 ${transfer.letterNo}）` : "";
          const until = formatDay(transfer.validUntil, tz);
          const text =
            transfer.state === "awaiting"
              ? `【组织关系转接】介绍信已过期，「${transfer.place}」尚未接收：${transfer.name} 的介绍信${letter}有效期至 ${until}（${transfer._id}），本支部仍对其负责。请联系该支部书记在接收卡片上处理。`
              : `【组织关系转接】介绍信已过期，未收到回执：${transfer.name} 转往 ${transfer.place} 的介绍信${letter}有效期至 ${until}（${transfer._id}）。请联系接收党组织核实，避免出现口袋党员；收到回执后发送 /转出 回执 ${transfer._id}。`;
          for (const secretary of secretaries) {
            await enqueueMessage(deps.models, deps.clock, {
              key: expiredLetterKey(transfer._id, secretary.openId),
              branchId,
              target: { openId: secretary.openId },
              content: { text: escapeText(text) },
              description: `转接 ${transfer._id} 介绍信过期未回执`,
            });
          }
        }
      },
    );
    deps.delivery.wake();
  },
};
