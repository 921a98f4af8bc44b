import type { AppDeps } from "../deps.js";
import { UserError } from "../domain/errors.js";
import type { CardAction, CardAnswer } from "../lark/types.js";
import { secondsSince } from "../metrics.js";
import { cardActions } from "./index.js";

export const errorToast = (content: string): CardAnswer => ({ toast: { type: "error", content } });

/**
 * Runs one card callback and returns the answer (a toast, maybe a card); its time goes to
 * zhibu_card_action_duration_seconds by action name ("unknown" for a name not registered).
 */
export async function runAction(
  deps: AppDeps,
  action: CardAction,
): Promise<{ answer: CardAnswer; outcome: string }> {
  const started = performance.now();
  const name = typeof action.value.action === "string" ? action.value.action : "";
  const known = cardActions.some((a) => a.name === name);
  let outcome = "failed";
  try {
    const result = await runKnownAction(deps, action, name);
    outcome = result.outcome;
    return result;
  } finally {
    deps.metrics?.cardActionSeconds.observe(
      { action: known ? name : "unknown", outcome },
      secondsSince(started),
    );
  }
}

async function runKnownAction(
  deps: AppDeps,
  action: CardAction,
  name: string,
): Promise<{ answer: CardAnswer; outcome: string }> {
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
