import type { Mention } from "../lark/types.js";
import type { CommandInput } from "./types.js";

/** Slashes that start a command; a Chinese keyboard often types the full-width one. */
const COMMAND_PREFIX = /^[/／]/;

export function isCommandText(text: string): boolean {
  return COMMAND_PREFIX.test(text.trim());
}

/** Splits on whitespace, keeping "quoted words" and key="quoted value" whole (quotes removed). */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const pattern = /([^\s="“]+=)?(?:"([^"]*)"|“([^”]*)”)|\S+/g;
  for (const match of text.matchAll(pattern)) {
    if (match[2] !== undefined || match[3] !== undefined) {
      tokens.push((match[1] ?? "") + (match[2] ?? match[3] ?? ""));
    } else {
      tokens.push(match[0]);
    }
  }
  return tokens;
}

const OPTION = /^([\p{L}\p{N}_-]+)=(.*)$/u;

/**
 * Turns the words after the command name into a CommandInput. `rawRest` is the text after the
 * command words; mention keys in it become @name so free text (minutes) reads naturally.
 */
export function toCommandInput(words: string[], rawRest: string, mentions: Mention[]): CommandInput {
  const byKey = new Map(mentions.map((m) => [m.key, m]));
  const input: CommandInput = { positional: [], options: {}, mentions: [], labelled: {}, rest: "" };
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const mention = byKey.get(word);
    const option = OPTION.exec(word);
    const optionMention = option?.[2] ? byKey.get(option[2]) : undefined;
    const next = words[i + 1] === undefined ? undefined : byKey.get(words[i + 1]!);
    if (mention) input.mentions.push(mention);
    else if (option?.[1] && optionMention) input.labelled[option[1]] = optionMention;
    else if (option?.[1] && option[2] === "" && next) {
      input.labelled[option[1]] = next; // 主持人= @李四: the client put a space before the mention
      i++;
    } else if (option && option[1] && option[2] !== undefined && option[2] !== "")
      input.options[option[1]] = option[2];
    else input.positional.push(word);
  }
  let rest = rawRest.trim();
  for (const mention of [...mentions].sort((a, b) => b.key.length - a.key.length)) {
    rest = rest.split(mention.key).join(`@${mention.name || mention.openId}`);
  }
  input.rest = rest;
  return input;
}

/** The raw text after the first `count` words (used for free text such as minutes). */
export function textAfterWords(text: string, count: number): string {
  let rest = text.trim();
  for (let i = 0; i < count; i++) {
    rest = rest.replace(/^\S+\s*/, "");
  }
  return rest;
}
