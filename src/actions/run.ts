import type { AppDeps } from "../deps.js";
import { UserError } from "../domain/errors.js";
import type { CardAction, CardAnswer } from "../lark/types.js";
import { cardActions } from "./index.js";

export const errorToast = (content: string): CardAnswer => ({ toast: { type: "error", content } });

/** Runs one card callback and returns the answer (a toast, maybe a card). */
export async function runAction(
  deps: AppDeps,
  action: CardAction,
): Promise<{ answer: CardAnswer; outcome: string }> {
  const name = typeof action.value.action === "string" ? action.value.action : "";
  const def = cardActions.find((a) => a.name === name);
  if (!def) return { answer: errorToast("此卡片已过期或不受支持。"), outcome: "unknown-action" };
  const parsed = def.input.safeParse({ ...action.formValue, ...action.value });
  if (!parsed.success) {
    return { answer: errorToast(parsed.error.issues.map((i) => i.message).join("；")), outcome: "bad-input" };
  }
  try {
    return { answer: await def.run({ deps, action }, parsed.data), outcome: "ok" };
  } catch (error) {
    if (error instanceof UserError) return { answer: errorToast(error.message), outcome: "refused" };
    throw error;
  }
}
