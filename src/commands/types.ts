import type { z } from "zod";
import type { Branch } from "../db/models/branch.js";
import type { Member } from "../db/models/member.js";
import type { AppDeps } from "../deps.js";
import type { IncomingMessage, Mention } from "../lark/types.js";
import type { Permission } from "../domain/policy.js";

export type { Permission };

/** A command's arguments after tokenising: the input every command's zod schema parses. */
export interface CommandInput {
  /** Words that are neither mentions nor key=value options, in order ("quoted words" kept whole). */
  positional: string[];
  /** key=value options, e.g. 地点=三楼会议室 or place="Room 3". */
  options: Record<string, string>;
  /** People mentioned in the arguments, in order (not those given to an option). */
  mentions: Mention[];
  /** Options whose value is a mention: 主持人=@李四 (or 主持人= @李四) → { 主持人: 李四 }. */
  labelled: Record<string, Mention>;
  /** The raw text after the command words (mention keys replaced by @name), for free text. */
  rest: string;
}

export interface CommandContext {
  deps: AppDeps;
  message: IncomingMessage;
  /** The branch of this chat (group), or the sender's branch (private chat); null if none. */
  branch: Branch | null;
  /** The sender's membership in that branch. */
  member: Member | null;
  isAdmin: boolean;
  /** The sender is a secretary of some organisation (党委 / 总支). */
  isOrgSecretary: boolean;
  /** Private chat only: the sender is in several branches and has not chosen one (/切换). */
  branchAmbiguous: boolean;
  /** The command registry this message was resolved against (help lists from it). */
  commands: readonly CommandFamily[];
  replyText(text: string): Promise<void>;
  replyCard(card: object): Promise<void>;
  /** A file uploaded to Lark (its file_key), as a reply through the outbox like the others. */
  replyFile(fileKey: string): Promise<void>;
}

export interface Subcommand<A = unknown> {
  /** English name, "" for a family's only or default action (`/help`, `/bind`). */
  name: string;
  /** Chinese (and other) names. */
  aliases: string[];
  /** Usage lines shown on bad input, Chinese first, e.g. "/会议 取消 <会议编号>". */
  usage: string[];
  summary: string;
  permission: Permission;
  /** Needs a bound branch (a group bound with /bind, or a member's private chat). */
  needsBranch: boolean;
  /** Where it may be run. */
  chat: "group" | "p2p" | "any";
  /**
   * False for commands not about the chat's branch (organisations, /切换): their private replies
   * are not labelled with the branch. Every other private reply starts with 【支部名称】.
   */
  aboutBranch?: false;
  args: z.ZodType<A, CommandInput>;
  run(ctx: CommandContext, args: A): Promise<void>;
}

export interface CommandFamily {
  name: string; // "meeting"
  aliases: string[]; // ["会议"]
  summary: string;
  subcommands: Subcommand<never>[];
  /** Subcommand run when none is named (`/members` lists). */
  defaultSubcommand?: string;
  /** The default subcommand also takes arguments (`/党费 2026-11`); otherwise an unknown word is a typo. */
  defaultTakesArguments?: boolean;
}

/** Helper so each subcommand keeps its argument type. */
export function subcommand<A>(def: Subcommand<A>): Subcommand<never> {
  return def as unknown as Subcommand<never>;
}
