import { z } from "zod";
import type { MemberStatus } from "../db/models/member.js";
import { parseStatus } from "../domain/roster.js";
import { commandInput, option, type ParsedInput } from "./args.js";
import { isDay, targetIssue, targetOf, type Target } from "./rosterArgs.js";

/** The arguments of /转出 and /转入 (commands/transfers.ts), parsed at the edge. */

export const isMonth = (word: string) => /^\d{4}-(0[1-9]|1[0-2])$/.test(word);
const MONTH_ISSUE = "党费交至须为 YYYY-MM，如 2026-11";
const LETTER_ISSUE = "介绍信编号只能写一个（不含空格）";

export interface OutArgs {
  target: Target;
  place: string;
  letterNo: string;
  day: string | null;
  duesPaidTo: string | null;
}

/** `@某人|姓名 <去向> [介绍信编号] [YYYY-MM-DD] [党费交至=YYYY-MM]`. */
export const outArgs = commandInput.transform((input, ctx): OutArgs => {
  const { target, words } = targetOf(input);
  if (!target) {
    ctx.addIssue({ code: "custom", message: targetIssue });
    return z.NEVER;
  }
  const [place, ...rest] = words;
  if (!place || isDay(place)) {
    ctx.addIssue({ code: "custom", message: "请写去向：接收党组织的名称，或本系统中另一支部的名称或编号" });
    return z.NEVER;
  }
  const days = rest.filter(isDay);
  const others = rest.filter((w) => !isDay(w));
  const paid = option(input, "党费交至", "dues");
  if (days.length > 1 || others.length > 1 || (paid !== undefined && !isMonth(paid))) {
    ctx.addIssue({
      code: "custom",
      message: days.length > 1 ? "日期只能写一个（介绍信开具日期）" : paid ? MONTH_ISSUE : LETTER_ISSUE,
    });
    return z.NEVER;
  }
  return {
    target,
    place: place.slice(0, 60),
    letterNo: (option(input, "编号", "letter") ?? others[0] ?? "").slice(0, 40),
    day: days[0] ?? null,
    duesPaidTo: paid ?? null,
  };
});

export interface InArgs {
  person: { openId: string; name: string } | { byName: string };
  place: string;
  letterNo: string;
  joinedAt: string | null;
  fullAt: string | null;
  duesPaidTo: string | null;
  status: MemberStatus | null;
}

/** `姓名|@某人 <来自> [介绍信编号] [入党日期] [转正日期] [党费交至 YYYY-MM] [正式|预备]`. */
export const inArgs = commandInput.transform((input: ParsedInput, ctx): InArgs => {
  const { target, words } = targetOf(input);
  const [place, ...rest] = words;
  if (!target || !place || isDay(place)) {
    ctx.addIssue({
      code: "custom",
      message: target ? "请写来自哪个党组织" : "请写转入者的姓名（或 @ 本人）",
    });
    return z.NEVER;
  }
  const days: string[] = [];
  const letters: string[] = [];
  let paid = option(input, "党费交至", "dues") ?? null;
  let status: MemberStatus | null = null;
  for (const word of rest) {
    if (isDay(word)) days.push(word);
    else if (isMonth(word)) paid = word;
    else if (word === "党费交至") continue;
    else if (parseStatus(word)) status = parseStatus(word);
    else letters.push(word);
  }
  const joinedAt = option(input, "入党日期", "joined") ?? days[0] ?? null;
  const fullAt = option(input, "转正日期", "full") ?? days[1] ?? null;
  const issue =
    days.length > 2
      ? "日期最多两个：入党日期、转正日期"
      : letters.length > 1
        ? LETTER_ISSUE
        : paid !== null && !isMonth(paid)
          ? MONTH_ISSUE
          : [joinedAt, fullAt].some((d) => d !== null && !isDay(d))
            ? "入党日期、转正日期须为 YYYY-MM-DD"
            : null;
  if (issue) {
    ctx.addIssue({ code: "custom", message: issue });
    return z.NEVER;
  }
  return {
    person: target,
    place: place.slice(0, 60),
    letterNo: (option(input, "编号", "letter") ?? letters[0] ?? "").slice(0, 40),
    joinedAt,
    fullAt,
    duesPaidTo: paid,
    status,
  };
});
