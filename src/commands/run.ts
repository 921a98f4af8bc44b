import { closest } from "fastest-levenshtein";
import type { AppDeps } from "../deps.js";
import { enqueueReply } from "../delivery/outbox.js";
import { branchAndMember, CHOOSE_BRANCH_TEXT } from "../domain/branches.js";
import { UserError } from "../domain/errors.js";
import type { IncomingMessage } from "../lark/types.js";
import { commandFamilies } from "./index.js";
import { textAfterWords, toCommandInput, tokenize } from "./parse.js";
import { allowed, isAdmin, REFUSALS } from "../domain/policy.js";
import type { CommandContext, CommandFamily, Subcommand } from "./types.js";
import { escapeText } from "../cards/escape.js";
import { labelCard } from "../cards/common.js";
import { secondsSince } from "../metrics.js";

type Resolved =
  | { kind: "found"; family: CommandFamily; sub: Subcommand<never>; wordsUsed: number }
  | { kind: "unknown"; family?: CommandFamily };

const matches = (word: string, names: string[]) => names.some((n) => n.toLowerCase() === word.toLowerCase());

export function resolveCommand(words: string[]): Resolved {
  const head = (words[0] ?? "").replace(/^[/／]/, "");
  const family = commandFamilies.find((f) => matches(head, [f.name, ...f.aliases]));
  if (!family) return { kind: "unknown" };
  const second = words[1] ?? "";
  const named = family.subcommands.find((s) => s.name !== "" && matches(second, [s.name, ...s.aliases]));
  if (named) return { kind: "found", family, sub: named, wordsUsed: 2 };
  const fallback = family.subcommands.find((s) => s.name === (family.defaultSubcommand ?? ""));
  // A family with named subcommands only takes its default when no other word follows.
  const onlyDefault = family.subcommands.every((s) => s.name === "");
  if (fallback && (onlyDefault || words.length === 1 || family.defaultTakesArguments)) {
    return { kind: "found", family, sub: fallback, wordsUsed: 1 };
  }
  return { kind: "unknown", family };
}

/** The usage of the command nearest to what was typed, for a reply to a typo. */
export function usageForUnknown(words: string[], resolved: { family?: CommandFamily }): string {
  if (resolved.family) {
    const lines = resolved.family.subcommands.flatMap((s) => s.usage);
    return `未知的子命令「${words[1] ?? ""}」。用法：\n${lines.join("\n")}`;
  }
  const head = (words[0] ?? "").replace(/^[/／]/, "");
  const names = commandFamilies.flatMap((f) => [f.name, ...f.aliases]);
  const guess = closest(head || "help", names);
  const family = commandFamilies.find((f) => [f.name, ...f.aliases].includes(guess))!;
  return `未知命令「/${head}」。你是不是想用 /${guess}？\n${family.subcommands.flatMap((s) => s.usage).join("\n")}\n发送 /帮助 查看全部命令。`;
}

export async function buildContext(deps: AppDeps, message: IncomingMessage): Promise<CommandContext> {
  // A group speaks for the branch bound to it; a private chat for the sender's own branch.
  const [{ branch, member, ambiguous }, orgSecretary] = await Promise.all([
    branchAndMember(deps.models, message.chatId, message.senderOpenId, {
      ownIfUnbound: message.chatType === "p2p",
    }),
    deps.models.Organisation.exists({ secretaries: message.senderOpenId }),
  ]);
  let replies = 0;
  // A private reply says which branch it is about (a person may be in several).
  const label = () => (ctx.labelled && message.chatType === "p2p" && branch ? branch.name : null);
  // Through the outbox and the shared rate limiter, keyed by message id and rank: a command run
  // again after a crash answers nothing twice, and a failed send is retried without running it again.
  const reply = async (content: { text: string } | { card: object } | { file: string }) => {
    replies++;
    await enqueueReply(deps, message, replies, content);
  };
  const ctx: CommandContext & { labelled: boolean } = {
    deps,
    message,
    branch,
    member,
    isAdmin: isAdmin(deps.config.ZHIBU_ADMINS, message.senderOpenId),
    commands: commandFamilies,
    isOrgSecretary: orgSecretary !== null,
    branchAmbiguous: ambiguous,
    labelled: true,
    // Every reply passes through escapeText: names, titles and reasons typed by people cannot
    // become mentions or links (replies never mention anyone on purpose).
    replyText: (text) => {
      const name = label();
      return reply({ text: escapeText(name ? `【${name}】${text}` : text) });
    },
    replyCard: (card) => {
      const name = label();
      return reply({ card: name ? labelCard(card, name) : card });
    },
    // A file cannot carry a label: its name says the branch (e.g. 台账-<branch>-2026.xlsx).
    replyFile: (fileKey) => reply({ file: fileKey }),
  };
  return ctx;
}

/** The `command` label of a resolved command: `/<family> <subcommand>`, from the registry only. */
function commandLabel(resolved: Resolved): string {
  if (resolved.kind === "unknown") return "unknown";
  return resolved.sub.name ? `/${resolved.family.name} ${resolved.sub.name}` : `/${resolved.family.name}`;
}

/**
 * Runs one command message: resolve, check where and who, validate arguments, run. Its time goes
 * to zhibu_command_duration_seconds by command and outcome ("error" when it threw).
 */
export async function runCommand(deps: AppDeps, message: IncomingMessage): Promise<string> {
  const started = performance.now();
  // A file in the private chat is a roster import: `/党员 导入` with the file (rosterImport.ts).
  const words = message.file ? ["/党员", "导入"] : tokenize(message.text);
  const resolved = resolveCommand(words);
  let outcome = "error";
  try {
    outcome = await runResolved(deps, message, words, resolved);
    return outcome;
  } finally {
    deps.metrics?.commandSeconds.observe({ command: commandLabel(resolved), outcome }, secondsSince(started));
  }
}

async function runResolved(
  deps: AppDeps,
  message: IncomingMessage,
  words: string[],
  resolved: Resolved,
): Promise<string> {
  const ctx = await buildContext(deps, message);
  if (resolved.kind === "unknown") {
    await ctx.replyText(usageForUnknown(words, resolved));
    return "unknown-command";
  }
  const { sub } = resolved;
  if (sub.aboutBranch === false) (ctx as { labelled?: boolean }).labelled = false;
  const usage = `用法：\n${sub.usage.join("\n")}`;
  if (sub.chat === "group" && message.chatType !== "group") {
    await ctx.replyText(`请在支部群里使用此命令。\n${usage}`);
    return "wrong-chat";
  }
  if (sub.chat === "p2p" && message.chatType !== "p2p") {
    await ctx.replyText(`此命令涉及个人信息，请私聊机器人使用。\n${usage}`);
    return "wrong-chat";
  }
  if (sub.needsBranch && !ctx.branch) {
    await ctx.replyText(
      message.chatType === "group"
        ? "本群还没有绑定支部。群主请先发送：/绑定 <支部名称>"
        : ctx.branchAmbiguous
          ? CHOOSE_BRANCH_TEXT
          : "你还不是任何支部的在册党员，请在支部群里使用命令。",
    );
    return "no-branch";
  }
  if (!allowed(sub.permission, ctx)) {
    await ctx.replyText(REFUSALS[sub.permission]);
    return "forbidden";
  }
  const input = toCommandInput(
    words.slice(resolved.wordsUsed),
    textAfterWords(message.text, resolved.wordsUsed),
    message.mentions,
  );
  const parsed = sub.args.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message).join("；");
    await ctx.replyText(`参数有误：${problems}\n${usage}`);
    return "bad-arguments";
  }
  try {
    await sub.run(ctx, parsed.data);
    return "ok";
  } catch (error) {
    if (error instanceof UserError) {
      await ctx.replyText(error.message);
      return "refused";
    }
    throw error;
  }
}
