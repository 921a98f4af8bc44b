import nock from "nock";

export const LARK_BASE = "https://open.feishu.cn";

type Body = Record<string, unknown>;

/**
 * Intercepts the Lark Open API with nock and records what the bot sent. Every expectation is a
 * one-shot interceptor, so `pendingMocks()` at the end of a test proves each call was made.
 */
export class LarkMock {
  readonly replies: { messageId: string; body: Body }[] = [];
  readonly sent: { receiveIdType: string; body: Body }[] = [];
  readonly patches: { messageId: string; body: Body }[] = [];
  private sequence = 0;

  constructor(readonly base = LARK_BASE) {
    nock(base)
      .persist()
      .post("/open-apis/auth/v3/tenant_access_token/internal")
      .reply(200, { code: 0, msg: "ok", tenant_access_token: "t-test-token", expire: 7200 });
  }

  /** Text of the replies, with card replies as their JSON. */
  replyTexts(): string[] {
    return this.replies.map((r) => contentText(r.body));
  }

  expectReply(times = 1): this {
    nock(this.base)
      .post(/\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/)
      .times(times)
      .reply(200, (uri, body) => {
        const messageId = uri.split("/")[5] ?? "";
        this.replies.push({ messageId, body: body as Body });
        return { code: 0, msg: "success", data: { message_id: `om_reply_${++this.sequence}` } };
      });
    return this;
  }

  expectSend(times = 1, messageIds: string[] = []): this {
    nock(this.base)
      .post("/open-apis/im/v1/messages")
      .query(true)
      .times(times)
      .reply(200, (uri, body) => {
        const receiveIdType = new URL(uri, this.base).searchParams.get("receive_id_type") ?? "";
        this.sent.push({ receiveIdType, body: body as Body });
        const id = messageIds[this.sent.length - 1] ?? `om_sent_${++this.sequence}`;
        return { code: 0, msg: "success", data: { message_id: id } };
      });
    return this;
  }

  expectPatch(messageId: string, times = 1): this {
    nock(this.base)
      .patch(`/open-apis/im/v1/messages/${messageId}`)
      .times(times)
      .reply(200, (_uri, body) => {
        this.patches.push({ messageId, body: body as Body });
        return { code: 0, msg: "success", data: {} };
      });
    return this;
  }

  /** Card refreshes are coalesced, so their count varies: accept any number (at least one) and record them. */
  allowPatches(): this {
    nock(this.base)
      .persist()
      .patch(/\/open-apis\/im\/v1\/messages\/[^/]+$/)
      .reply(200, (uri, body) => {
        this.patches.push({ messageId: uri.split("/").pop() ?? "", body: body as Body });
        return { code: 0, msg: "success", data: {} };
      });
    return this;
  }

  chatMembers(chatId: string, pages: { openId: string; name: string }[][]): this {
    pages.forEach((page, index) => {
      nock(this.base)
        .get(`/open-apis/im/v1/chats/${chatId}/members`)
        .query((query) => (index === 0 ? !query.page_token : query.page_token === `page${index}`))
        .reply(200, {
          code: 0,
          msg: "success",
          data: {
            items: page.map((m) => ({
              member_id_type: "open_id",
              member_id: m.openId,
              name: m.name,
              tenant_key: "t",
            })),
            page_token: index + 1 < pages.length ? `page${index + 1}` : "",
            has_more: index + 1 < pages.length,
            member_total: pages.flat().length,
          },
        });
    });
    return this;
  }

  chatOwner(chatId: string, ownerOpenId: string): this {
    nock(this.base)
      .get(`/open-apis/im/v1/chats/${chatId}`)
      .query(true)
      .reply(200, {
        code: 0,
        msg: "success",
        data: { owner_id: ownerOpenId, owner_id_type: "open_id", name: "第一党支部" },
      });
    return this;
  }

  /** The interceptors not yet used (the token interceptor persists and is not counted). */
  pending(): string[] {
    return nock.pendingMocks().filter((m) => !m.includes("tenant_access_token"));
  }

  static reset(): void {
    nock.cleanAll();
  }
}

export function contentText(body: Body): string {
  const content = JSON.parse(String(body.content ?? "{}")) as { text?: string };
  return body.msg_type === "text" ? (content.text ?? "") : String(body.content ?? "");
}

/**
 * Intercepts one file upload and keeps its multipart body as bytes (nock hands a binary body
 * over as a hex string). `body()` gives what was uploaded so far.
 */
export function captureFileUpload(fileKey: string): { body(): Buffer } {
  let upload: Buffer = Buffer.alloc(0);
  nock(LARK_BASE)
    .post("/open-apis/im/v1/files", (body: unknown) => {
      upload = Buffer.isBuffer(body)
        ? body
        : /^[0-9a-f]+$/i.test(String(body))
          ? Buffer.from(String(body), "hex")
          : Buffer.from(String(body), "latin1");
      return true;
    })
    .reply(200, { code: 0, msg: "success", data: { file_key: fileKey } });
  return { body: () => upload };
}
