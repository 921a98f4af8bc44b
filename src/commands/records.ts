/**
 * What commands about a branch's numbered records (会议 M12, 学习 S3, …) share: finding one by
 * the id typed, and replying with the branch's list.
 */
import type { AppDeps } from "../deps.js";
import { UserError } from "../domain/errors.js";
import type { CommandContext } from "./types.js";

/** How a kind of record is named to users: 会议 and its command /会议. */
export interface RecordKind {
  label: string;
  command: string;
}

/**
 * The record `id` of this chat's branch, found with `find`; otherwise refuses with
 * "本支部没有会议 M12。发送 /会议 列表 查看。".
 */
export async function findOrRefuse<T>(
  ctx: CommandContext,
  find: (models: AppDeps["models"], branchId: string, id: string) => Promise<T | null>,
  id: string,
  kind: RecordKind,
): Promise<T> {
  const found = await find(ctx.deps.models, ctx.branch!._id, id);
  if (!found) throw new UserError(`本支部没有${kind.label} ${id}。发送 ${kind.command} 列表 查看。`);
  return found;
}

/**
 * Replies "「支部」的会议：" and one line per record, or `empty` when there is none.
 */
export async function replyList<T>(
  ctx: CommandContext,
  records: readonly T[],
  texts: { heading: string; empty: string },
  line: (record: T) => string,
): Promise<void> {
  if (records.length === 0) {
    await ctx.replyText(texts.empty);
    return;
  }
  await ctx.replyText(`「${ctx.branch!.name}」的${texts.heading}：\n${records.map(line).join("\n")}`);
}
