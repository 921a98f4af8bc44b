import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { createLarkApi, createLarkClient, LarkApiError } from "../../src/lark/api.js";
import { createLogger } from "../../src/logger.js";
import { testConfig } from "../helpers/config.js";
import { LARK_BASE, LarkMock } from "../helpers/larkMock.js";

function larkApi() {
  return createLarkApi(createLarkClient(testConfig(), createLogger("silent")));
}

afterEach(() => LarkMock.reset());

describe("uploadFile and file messages", () => {
  it("uploads a file as multipart and sends it as msg_type file", async () => {
    const mock = new LarkMock().expectSend();
    const data = Buffer.from("PK fake xlsx bytes");
    let uploaded = "";
    nock(LARK_BASE)
      .post("/open-apis/im/v1/files", (body: unknown) => {
        uploaded = typeof body === "string" ? body : Buffer.isBuffer(body) ? body.toString("latin1") : "";
        return uploaded.includes("ledger-2026.xlsx");
      })
      .matchHeader("authorization", "Bearer t-test-token")
      .matchHeader("content-type", /^multipart\/form-data; boundary=/)
      .reply(200, { code: 0, msg: "success", data: { file_key: "file_v2_x" } });

    const lark = larkApi();
    const key = await lark.uploadFile("ledger-2026.xlsx", data, "xls");
    expect(key).toBe("file_v2_x");
    expect(uploaded).toContain('name="file_type"');
    expect(uploaded).toContain("xls");
    expect(uploaded).toContain("PK fake xlsx bytes");

    const messageId = await lark.send({ chatId: "oc_b1" }, { file: key });
    expect(messageId).toMatch(/^om_sent_/);
    expect(mock.sent).toHaveLength(1);
    expect(mock.sent[0]!.receiveIdType).toBe("chat_id");
    expect(mock.sent[0]!.body).toMatchObject({
      receive_id: "oc_b1",
      msg_type: "file",
      content: JSON.stringify({ file_key: "file_v2_x" }),
    });
    expect(nock.pendingMocks().filter((m) => !m.includes("tenant_access_token"))).toEqual([]);
  });

  it("replies with a file", async () => {
    const mock = new LarkMock().expectReply();
    await larkApi().reply("om_cmd", { file: "file_v2_y" });
    expect(mock.replies[0]).toMatchObject({
      messageId: "om_cmd",
      body: { msg_type: "file", content: JSON.stringify({ file_key: "file_v2_y" }) },
    });
    expect(mock.pending()).toEqual([]);
  });

  it("turns a failed upload into a LarkApiError", async () => {
    new LarkMock();
    nock(LARK_BASE)
      .post("/open-apis/im/v1/files")
      .reply(400, { code: 234001, msg: "Invalid request param." });
    await expect(larkApi().uploadFile("a.xlsx", Buffer.from("x"), "xls")).rejects.toMatchObject({
      name: "LarkApiError",
      code: 234001,
      httpStatus: 400,
    });
    nock(LARK_BASE).post("/open-apis/im/v1/files").reply(200, { code: 0, msg: "success", data: {} });
    await expect(larkApi().uploadFile("a.xlsx", Buffer.from("x"), "xls")).rejects.toBeInstanceOf(
      LarkApiError,
    );
    expect(nock.pendingMocks().filter((m) => !m.includes("tenant_access_token"))).toEqual([]);
  });

  it("refuses an empty file without calling Lark", async () => {
    await expect(larkApi().uploadFile("a.xlsx", Buffer.alloc(0), "xls")).rejects.toThrow(/empty/);
  });
});
