import nock from "nock";
import { afterEach, describe, expect, it } from "vitest";
import { createLarkApi, createLarkClient, LarkApiError } from "../../src/lark/api.js";
import { normalizeMessage } from "../../src/lark/normalize.js";
import { createLogger } from "../../src/logger.js";
import { testConfig } from "../helpers/config.js";
import { LARK_BASE, LarkMock } from "../helpers/larkMock.js";
import { messageEvent } from "../helpers/larkPayloads.js";

function larkApi() {
  return createLarkApi(createLarkClient(testConfig(), createLogger("silent")));
}

afterEach(() => LarkMock.reset());

const PATH = "/open-apis/im/v1/messages/om_file_1/resources/file_v3_abc";

describe("downloadMessageFile", () => {
  it("downloads the binary body with type=file and the bearer token", async () => {
    new LarkMock();
    const data = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0x10]);
    nock(LARK_BASE)
      .get(PATH)
      .query({ type: "file" })
      .matchHeader("authorization", "Bearer t-test-token")
      .reply(200, data, { "content-type": "application/octet-stream" });
    const result = await larkApi().downloadMessageFile("om_file_1", "file_v3_abc", 1024);
    expect(result).toEqual({ kind: "ok", data });
  });

  it("stops reading past the limit, with or without a content-length", async () => {
    new LarkMock();
    nock(LARK_BASE)
      .get(PATH)
      .query({ type: "file" })
      .reply(200, Buffer.alloc(2048), { "content-length": "2048" });
    expect(await larkApi().downloadMessageFile("om_file_1", "file_v3_abc", 1024)).toEqual({
      kind: "too-large",
    });
    nock(LARK_BASE)
      .get(PATH)
      .query({ type: "file" })
      .reply(200, () => Buffer.alloc(4096));
    expect(await larkApi().downloadMessageFile("om_file_1", "file_v3_abc", 1024)).toEqual({
      kind: "too-large",
    });
  });

  it("turns an HTTP error into a LarkApiError", async () => {
    new LarkMock();
    nock(LARK_BASE)
      .get(PATH)
      .query({ type: "file" })
      .reply(400, { code: 234003, msg: "file not in message" });
    await expect(larkApi().downloadMessageFile("om_file_1", "file_v3_abc", 1024)).rejects.toBeInstanceOf(
      LarkApiError,
    );
  });
});

describe("file messages after normalisation", () => {
  const fileEvent = (chatType: "p2p" | "group", content: unknown) => {
    const event = messageEvent({ text: "", sender: "ou_a", chatId: "oc_p2p_a", chatType, token: "t" });
    event.event.message = {
      ...event.event.message,
      message_type: "file",
      content: typeof content === "string" ? content : JSON.stringify(content),
    };
    return { ...event.header, ...event.event };
  };

  it("carries the file of a private-chat file message", () => {
    const message = normalizeMessage(fileEvent("p2p", { file_key: "file_v3_abc", file_name: "名册.xlsx" }));
    expect(message?.file).toEqual({ fileKey: "file_v3_abc", fileName: "名册.xlsx" });
  });

  it("leaves out files in a group and file contents that are not Lark's shape", () => {
    expect(
      normalizeMessage(fileEvent("group", { file_key: "file_v3_abc", file_name: "a.xlsx" }))?.file,
    ).toBeUndefined();
    for (const content of [
      { file_key: "../../etc", file_name: "a.xlsx" },
      { file_key: { $ne: 1 }, file_name: "a.xlsx" },
      { file_key: "file_v3_abc" },
      "not json",
    ]) {
      expect(normalizeMessage(fileEvent("p2p", content))?.file).toBeUndefined();
    }
  });
});
