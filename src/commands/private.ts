import { escapeText } from "../cards/escape.js";
import { enqueueMessage } from "../delivery/outbox.js";
import type { CommandContext } from "./types.js";

/**
 * Sends the asker a private message (through the outbox, like every other DM): details that are
 * not for the whole group, asked for in the group. Keyed by the command message, so a
 * redelivered command sends it once.
 */
export async function sendPrivately(ctx: CommandContext, text: string, description: string): Promise<void> {
  await enqueueMessage(ctx.deps.models, ctx.deps.clock, {
    key: `msg:${ctx.message.messageId}:private`,
    branchId: ctx.branch?._id ?? null,
    target: { openId: ctx.message.senderOpenId },
    // Says which branch it is about, like every private reply.
    content: { text: escapeText(ctx.branch ? `【${ctx.branch.name}】${text}` : text) },
    description,
  });
  ctx.deps.delivery.wake();
}
