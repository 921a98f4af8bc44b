/**
 * What the playground's Lark holds: people, chats, the messages in them (in order, with a sequence
 * number the page polls by) and the files the bot uploaded. The stand-in writes it, the JSON API
 * reads it. Kept in one JSON file under the playground's data directory, so cards the bot refers
 * to (a meeting card it will PATCH) survive a restart like they do in Lark.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Clock } from "../domain/clock.js";

export interface PlaygroundPerson {
  openId: string;
  name: string;
}

export interface PlaygroundChat {
  chatId: string;
  name: string;
  kind: "group" | "p2p";
  memberOpenIds: string[];
  ownerOpenId?: string;
  /** A private chat with the bot: whose. */
  p2pOf?: string;
}

export type MessageType = "text" | "post" | "interactive" | "file";

export interface StoredMessage {
  seq: number;
  messageId: string;
  chatId: string;
  from: "bot" | string;
  fromName: string;
  msgType: MessageType;
  /** Parsed: {text} for text, the card for interactive, {file_key, file_name} for file. */
  content: unknown;
  createTime: string;
  updatedAt: string;
  replyTo?: string;
  /** The sender's idempotency key: Lark shows one message per uuid (within an hour). */
  uuid?: string;
}

export interface StoredFile {
  fileKey: string;
  fileName: string;
  fileType: string;
  data: Buffer;
  /** The message that carries it, once sent (downloads go through the message). */
  messageId?: string;
}

export const BOT_NAME = "支部助手";
export const BOT_OPEN_ID = "ou_playground_bot";

/** The private chat of a person with the bot. */
export const p2pChatId = (openId: string) => `oc_p2p_${openId}`;

const randomHex = (bytes: number) => randomBytes(bytes).toString("hex");

interface SavedState {
  seq: number;
  people: PlaygroundPerson[];
  chats: PlaygroundChat[];
  messages: StoredMessage[];
  files: (Omit<StoredFile, "data"> & { data: string })[];
}

export class PlaygroundStore {
  private readonly people = new Map<string, PlaygroundPerson>();
  private readonly chats = new Map<string, PlaygroundChat>();
  private readonly messages = new Map<string, StoredMessage>();
  private readonly byUuid = new Map<string, string>();
  private readonly files = new Map<string, StoredFile>();
  private seq = 0;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly clock: Clock,
    /** The JSON file the store lives in; none: in memory only (tests). */
    private readonly stateFile?: string,
  ) {
    if (stateFile) this.load(stateFile);
  }

  get lastSeq(): number {
    return this.seq;
  }

  addPerson(person: PlaygroundPerson): void {
    this.people.set(person.openId, { ...person });
    const chatId = p2pChatId(person.openId);
    if (!this.chats.has(chatId)) {
      this.chats.set(chatId, {
        chatId,
        name: `${BOT_NAME} · ${person.name}`,
        kind: "p2p",
        memberOpenIds: [person.openId],
        p2pOf: person.openId,
      });
    }
    this.changed();
  }

  /** Adds or replaces a group chat (its members and owner as given). */
  addGroup(chat: Omit<PlaygroundChat, "kind" | "p2pOf">): void {
    this.chats.set(chat.chatId, { ...chat, kind: "group" });
    this.changed();
  }

  person(openId: string): PlaygroundPerson | undefined {
    return this.people.get(openId);
  }

  allPeople(): PlaygroundPerson[] {
    return [...this.people.values()];
  }

  chat(chatId: string): PlaygroundChat | undefined {
    return this.chats.get(chatId);
  }

  allChats(): PlaygroundChat[] {
    return [...this.chats.values()];
  }

  message(messageId: string): StoredMessage | undefined {
    return this.messages.get(messageId);
  }

  /** Messages of a chat with a sequence number above `since`, in order. */
  messagesOf(chatId: string, since = 0): StoredMessage[] {
    return [...this.messages.values()]
      .filter((m) => m.chatId === chatId && m.seq > since)
      .sort((a, b) => a.seq - b.seq);
  }

  /**
   * Posts a message; a `uuid` seen before returns the first message (Lark's de-duplication), so
   * a retried send shows nothing new.
   */
  post(input: {
    chatId: string;
    from: "bot" | string;
    msgType: MessageType;
    content: unknown;
    replyTo?: string;
    uuid?: string;
  }): { message: StoredMessage; duplicate: boolean } {
    const seen = input.uuid ? this.byUuid.get(input.uuid) : undefined;
    if (seen && this.messages.has(seen)) return { message: this.messages.get(seen)!, duplicate: true };
    const at = this.clock.now().toISOString();
    const fromName = input.from === "bot" ? BOT_NAME : (this.people.get(input.from)?.name ?? input.from);
    const message: StoredMessage = {
      seq: ++this.seq,
      messageId: `om_${randomHex(16)}`,
      chatId: input.chatId,
      from: input.from,
      fromName,
      msgType: input.msgType,
      content: input.content,
      createTime: at,
      updatedAt: at,
      ...(input.replyTo ? { replyTo: input.replyTo } : {}),
      ...(input.uuid ? { uuid: input.uuid } : {}),
    };
    this.messages.set(message.messageId, message);
    if (input.uuid) this.byUuid.set(input.uuid, message.messageId);
    this.changed();
    return { message, duplicate: false };
  }

  /** Replaces a card in place: same message id, a new sequence number and update time. */
  updateCard(messageId: string, card: unknown): StoredMessage | undefined {
    const message = this.messages.get(messageId);
    if (!message || message.msgType !== "interactive") return undefined;
    const updated = { ...message, content: card, seq: ++this.seq, updatedAt: this.clock.now().toISOString() };
    this.messages.set(messageId, updated);
    this.changed();
    return updated;
  }

  addFile(input: Omit<StoredFile, "fileKey">): StoredFile {
    const file: StoredFile = { ...input, fileKey: `file_v3_${randomHex(12)}` };
    this.files.set(file.fileKey, file);
    this.changed();
    return file;
  }

  file(fileKey: string): StoredFile | undefined {
    return this.files.get(fileKey);
  }

  attachFile(fileKey: string, messageId: string): void {
    const file = this.files.get(fileKey);
    if (file && !file.messageId) {
      file.messageId = messageId;
      this.changed();
    }
  }

  /** Calls `listener` after every change (the tests wait on it). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves once `predicate` holds; rejects after `timeoutMs`. */
  waitFor<T>(predicate: () => T | undefined | false, timeoutMs = 10_000, what = "the store"): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (!value) return false;
        stop();
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => {
        stop();
        reject(new Error(`${what}: not reached within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onChange(() => void check());
      const stop = () => {
        clearTimeout(timer);
        off();
      };
      check();
    });
  }

  /** Writes what is pending now (on stop). */
  flush(): void {
    if (this.saveTimer) clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    if (this.stateFile) this.save(this.stateFile);
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
    if (this.stateFile && !this.saveTimer) {
      // Bursts of sends and PATCHes are written once.
      this.saveTimer = setTimeout(() => this.flush(), 200);
      this.saveTimer.unref();
    }
  }

  private save(file: string): void {
    const state: SavedState = {
      seq: this.seq,
      people: this.allPeople(),
      chats: this.allChats(),
      messages: [...this.messages.values()],
      files: [...this.files.values()].map((f) => ({ ...f, data: f.data.toString("base64") })),
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }

  private load(file: string): void {
    let state: SavedState;
    try {
      state = JSON.parse(readFileSync(file, "utf8")) as SavedState;
    } catch {
      return; // a first start: nothing kept yet
    }
    this.seq = state.seq;
    for (const person of state.people) this.people.set(person.openId, person);
    for (const chat of state.chats) this.chats.set(chat.chatId, chat);
    for (const message of state.messages) {
      this.messages.set(message.messageId, message);
      if (message.uuid) this.byUuid.set(message.uuid, message.messageId);
    }
    for (const f of state.files) this.files.set(f.fileKey, { ...f, data: Buffer.from(f.data, "base64") });
  }
}
