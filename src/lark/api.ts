import type { Config } from "../env.js";
import { createLarkClient, LarkApiError, type LarkRestClient } from "./rest.js";
import type { DownloadedFile, LarkApi, OutgoingContent, Target, UploadFileType } from "./types.js";

export { createLarkClient, LarkApiError, type LarkRestClient };

function messageBody(content: OutgoingContent): { msg_type: string; content: string } {
  if ("card" in content) return { msg_type: "interactive", content: JSON.stringify(content.card) };
  if ("file" in content) return { msg_type: "file", content: JSON.stringify({ file_key: content.file }) };
  return { msg_type: "text", content: JSON.stringify({ text: content.text }) };
}

export function createLarkApi(client: LarkRestClient): LarkApi {
  const messages = "/open-apis/im/v1/messages";
  const segment = encodeURIComponent;
  return {
    async send(target: Target, content: OutgoingContent, uuid?: string) {
      const receiveIdType = "chatId" in target ? "chat_id" : "open_id";
      const receiveId = "chatId" in target ? target.chatId : target.openId;
      const data = await client.json<{ message_id?: string }>({
        method: "POST",
        path: messages,
        query: { receive_id_type: receiveIdType },
        json: { receive_id: receiveId, ...messageBody(content), uuid },
      });
      return data?.message_id ?? "";
    },
    async reply(messageId: string, content: OutgoingContent, uuid?: string) {
      const data = await client.json<{ message_id?: string }>({
        method: "POST",
        path: `${messages}/${segment(messageId)}/reply`,
        json: { ...messageBody(content), uuid },
      });
      return data?.message_id ?? "";
    },
    async patchCard(messageId: string, card: object) {
      await client.json({
        method: "PATCH",
        path: `${messages}/${segment(messageId)}`,
        json: { content: JSON.stringify(card) },
      });
    },
    async listChatMembers(chatId: string) {
      const members: { openId: string; name: string }[] = [];
      let pageToken: string | undefined;
      do {
        const data = await client.json<{
          items?: { member_id?: string; name?: string }[];
          has_more?: boolean;
          page_token?: string;
        }>({
          method: "GET",
          path: `/open-apis/im/v1/chats/${segment(chatId)}/members`,
          query: { member_id_type: "open_id", page_size: 100, page_token: pageToken },
        });
        for (const item of data?.items ?? []) {
          if (item.member_id) members.push({ openId: item.member_id, name: item.name ?? "" });
        }
        pageToken = data?.has_more ? data.page_token : undefined;
      } while (pageToken);
      return members;
    },
    async getChatOwner(chatId: string) {
      const data = await client.json<{ owner_id?: string }>({
        method: "GET",
        path: `/open-apis/im/v1/chats/${segment(chatId)}`,
        query: { user_id_type: "open_id" },
      });
      return data?.owner_id ?? null;
    },
    async uploadFile(fileName: string, data: Buffer, fileType: UploadFileType) {
      if (data.length === 0) throw new Error("Lark does not accept an empty file");
      const form = new FormData();
      form.append("file_type", fileType);
      form.append("file_name", fileName);
      form.append("file", new Blob([new Uint8Array(data)]), fileName);
      const result = await client.json<{ file_key?: string }>({
        method: "POST",
        path: "/open-apis/im/v1/files",
        form,
      });
      const fileKey = result?.file_key;
      if (!fileKey) throw new LarkApiError(-1, "file upload answered no file_key");
      return fileKey;
    },
    async downloadMessageFile(messageId: string, fileKey: string, maxBytes: number): Promise<DownloadedFile> {
      const response = await client.raw({
        method: "GET",
        path: `${messages}/${segment(messageId)}/resources/${segment(fileKey)}`,
        query: { type: "file" },
      });
      const length = Number(response.headers.get("content-length"));
      if (length > maxBytes || !response.body) {
        await response.body?.cancel();
        if (!response.body) throw new LarkApiError(-1, "file download answered nothing");
        return { kind: "too-large" };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.length;
        if (total > maxBytes) {
          await reader.cancel();
          return { kind: "too-large" };
        }
        chunks.push(Buffer.from(value));
      }
      return { kind: "ok", data: Buffer.concat(chunks) };
    },
  };
}

/** Lark's answers to a tenant token request naming a wrong app: 10003 invalid app_id, 10014 app secret invalid. */
const REFUSED_CREDENTIAL_CODES = new Set([10003, 10014]);

export type CredentialCheck = { ok: true } | { ok: false; refused: boolean; reason: string };

/**
 * Asks Lark for a tenant access token once. `refused`: Lark rejected the app id or secret (the
 * start must stop); otherwise (network error, 5xx, another code) the caller retries.
 */
export async function checkCredentials(config: Config): Promise<CredentialCheck> {
  try {
    const answer = await createLarkClient(config).json<{ tenant_access_token?: string }>({
      method: "POST",
      path: "/open-apis/auth/v3/tenant_access_token/internal",
      json: { app_id: config.LARK_APP_ID, app_secret: config.LARK_APP_SECRET },
      anonymous: true,
    });
    if (!answer?.tenant_access_token) {
      return { ok: false, refused: false, reason: "Lark answered no tenant_access_token" };
    }
    return { ok: true };
  } catch (error) {
    if (error instanceof LarkApiError && REFUSED_CREDENTIAL_CODES.has(error.code)) {
      return {
        ok: false,
        refused: true,
        reason: `${error.code} ${error.message.replace(/^Lark API error \d+: /, "")}`,
      };
    }
    return { ok: false, refused: false, reason: (error as Error).message };
  }
}
