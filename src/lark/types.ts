/** Lark-facing shapes after normalisation: what the rest of the bot sees of an event. */

export interface Mention {
  key: string; // "@_user_1", as it stands in the text
  openId: string;
  name: string;
}

export interface IncomingMessage {
  eventId: string;
  messageId: string;
  chatId: string;
  chatType: "p2p" | "group";
  senderOpenId: string;
  senderType: "user" | "app";
  /** Text with the leading mentions (those addressing the bot) removed; other mention keys kept. */
  text: string;
  /** Mentions after the command word, in order (the people a command is about). */
  mentions: Mention[];
  /** True in a private chat, or in a group when the message starts by mentioning someone (the bot). */
  addressed: boolean;
  createdAt: Date;
  /** A file sent in a private chat (msg_type "file"): the key to download it with, and its name. */
  file?: { fileKey: string; fileName: string };
}

export interface CardAction {
  eventId: string;
  operatorOpenId: string;
  value: Record<string, unknown>;
  formValue: Record<string, unknown>;
  messageId: string;
  chatId: string;
  token: string;
}

export interface Toast {
  type: "success" | "error" | "info" | "warning";
  content: string;
}

/** The body answered to a card callback: a toast, and optionally a new card for the message. */
export interface CardAnswer {
  toast?: Toast;
  card?: { type: "raw"; data: object };
}

export type Target = { chatId: string } | { openId: string };

/** Everything the bot asks of the Lark Open API. Implemented with the SDK in lark/api.ts. */
export interface LarkApi {
  send(target: Target, content: OutgoingContent, uuid?: string): Promise<string>;
  reply(messageId: string, content: OutgoingContent, uuid?: string): Promise<string>;
  patchCard(messageId: string, card: object): Promise<void>;
  listChatMembers(chatId: string): Promise<{ openId: string; name: string }[]>;
  getChatOwner(chatId: string): Promise<string | null>;
  /** Uploads a file (≤ 30 MB, not empty) for a `{ file }` message; resolves to its file_key. */
  uploadFile(fileName: string, data: Buffer, fileType: UploadFileType): Promise<string>;
  /**
   * Downloads a file someone sent in a message (GET /open-apis/im/v1/messages/:message_id/
   * resources/:file_key?type=file; Lark serves up to 100 MB). Stops reading past `maxBytes`.
   */
  downloadMessageFile(messageId: string, fileKey: string, maxBytes: number): Promise<DownloadedFile>;
}

export type DownloadedFile = { kind: "ok"; data: Buffer } | { kind: "too-large" };

/** Lark's `file_type` for an upload: "xls" for spreadsheets, "stream" for anything else. */
export type UploadFileType = "xls" | "pdf" | "stream";

/** A text, a card, or a file already uploaded with `uploadFile` (its file_key). */
export type OutgoingContent = { text: string } | { card: object } | { file: string };
