import type { z } from "zod";
import type { AppDeps } from "../deps.js";
import type { CardAction, CardAnswer } from "../lark/types.js";

export interface ActionContext {
  deps: AppDeps;
  action: CardAction;
}

/** A card button or form handler, keyed by the `action` field of the button's value. */
export interface ActionDef<V = unknown> {
  name: string;
  /** Parses `{...value, ...formValue}` of the callback. */
  input: z.ZodType<V>;
  run(ctx: ActionContext, input: V): Promise<CardAnswer>;
}

export function action<V>(def: ActionDef<V>): ActionDef<never> {
  return def as unknown as ActionDef<never>;
}
