import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createSecretBox, parseDuesKey } from "../../src/domain/secretBox.js";

const KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY = Buffer.from(KEY_HEX, "hex");
const KEY_ERROR = "ZHIBU_DUES_KEY must be 32 bytes: 64 hex characters or base64";

describe("parseDuesKey", () => {
  it("accepts 64 hex characters, either case", () => {
    expect(parseDuesKey(KEY_HEX).equals(KEY)).toBe(true);
    expect(parseDuesKey(KEY_HEX.toUpperCase()).equals(KEY)).toBe(true);
    expect(parseDuesKey(` ${KEY_HEX}\n`).equals(KEY)).toBe(true);
  });

  it("accepts base64 of exactly 32 bytes, padded or not, standard or URL-safe", () => {
    const key = Buffer.from("fb".repeat(32), "hex"); // encodes with + and / in standard base64
    const standard = key.toString("base64");
    expect(standard).toMatch(/[+/]/);
    expect(parseDuesKey(standard).equals(key)).toBe(true);
    expect(parseDuesKey(standard.replace(/=$/, "")).equals(key)).toBe(true);
    expect(parseDuesKey(key.toString("base64url")).equals(key)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["63 hex characters", KEY_HEX.slice(1)],
    ["65 hex characters", KEY_HEX + "0"],
    ["hex with a non-hex character", KEY_HEX.slice(1) + "g"],
    ["base64 of 31 bytes", randomBytes(31).toString("base64")],
    ["base64 of 33 bytes", randomBytes(33).toString("base64")],
    ["base64 of 16 bytes", randomBytes(16).toString("base64")],
    ["a passphrase", "correct horse battery staple"],
  ])("refuses %s", (_what, text) => {
    expect(() => parseDuesKey(text)).toThrow(KEY_ERROR);
  });

  it("does not echo the key in the error", () => {
    const text = KEY_HEX.slice(2);
    expect(() => parseDuesKey(text)).toThrow(expect.objectContaining({ message: KEY_ERROR }));
  });
});

describe("createSecretBox", () => {
  const box = createSecretBox(KEY);

  it("round-trips, including empty and non-ASCII text", () => {
    for (const plain of ["850000", "", "税后月工资 8500.00 元", "x".repeat(10_000)]) {
      const sealed = box.seal(plain);
      expect(sealed.startsWith("v1:")).toBe(true);
      expect(box.open(sealed)).toBe(plain);
    }
  });

  it("does not contain the plaintext and has the documented layout", () => {
    const sealed = box.seal("850000");
    expect(sealed).not.toContain("850000");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    expect(bytes.length).toBe(12 + 16 + 6); // iv + tag + ciphertext of six bytes
    expect(Buffer.from(sealed.slice(3), "base64").toString("base64")).toBe(sealed.slice(3));
  });

  it("uses a fresh IV every time", () => {
    const a = box.seal("850000");
    const b = box.seal("850000");
    expect(a).not.toBe(b);
    const ivA = Buffer.from(a.slice(3), "base64").subarray(0, 12);
    const ivB = Buffer.from(b.slice(3), "base64").subarray(0, 12);
    expect(ivA.equals(ivB)).toBe(false);
    expect(box.open(a)).toBe("850000");
    expect(box.open(b)).toBe("850000");
  });

  it("opens with an equal key given separately (e.g. after a restart)", () => {
    const sealed = box.seal("850000");
    expect(createSecretBox(parseDuesKey(KEY_HEX)).open(sealed)).toBe("850000");
  });

  function flipByte(sealed: string, index: number): string {
    const bytes = Buffer.from(sealed.slice(3), "base64");
    bytes[index] = bytes[index]! ^ 0x01;
    return "v1:" + bytes.toString("base64");
  }

  it.each([
    ["the IV", 0],
    ["the tag", 20],
    ["the ciphertext", 30],
  ])("throws when %s is tampered with, without the plaintext in the message", (_where, index) => {
    const sealed = box.seal("850000");
    let message = "";
    try {
      box.open(flipByte(sealed, index));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/wrong ZHIBU_DUES_KEY or tampered/);
    expect(message).not.toContain("850000");
  });

  it("throws on a truncated, extended or reformatted value", () => {
    const sealed = box.seal("850000");
    const bytes = Buffer.from(sealed.slice(3), "base64");
    expect(() => box.open("v1:" + bytes.subarray(0, bytes.length - 1).toString("base64"))).toThrow(
      /tampered/,
    );
    expect(() => box.open("v1:" + Buffer.concat([bytes, Buffer.from([0])]).toString("base64"))).toThrow(
      /tampered/,
    );
    expect(() => box.open("v1:" + bytes.subarray(0, 20).toString("base64"))).toThrow(/too short/);
    expect(() => box.open(sealed + "!")).toThrow(/not base64/);
    expect(() => box.open(sealed.slice(3))).toThrow(/unknown format/);
    expect(() => box.open("v2:" + sealed.slice(3))).toThrow(/unknown format/);
    expect(() => box.open("850000")).toThrow(/unknown format/);
  });

  it("throws with a wrong key, without the plaintext in the message", () => {
    const sealed = box.seal("850000");
    const other = createSecretBox(randomBytes(32));
    expect(() => other.open(sealed)).toThrow(
      "cannot open sealed value: wrong ZHIBU_DUES_KEY or tampered data",
    );
  });

  it("refuses a key that is not 32 bytes", () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => createSecretBox(Buffer.alloc(0))).toThrow(/32 bytes/);
  });

  it("is not affected by later changes to the caller's key buffer", () => {
    const key = Buffer.from(KEY);
    const own = createSecretBox(key);
    const sealed = own.seal("850000");
    key.fill(0);
    expect(own.open(sealed)).toBe("850000");
  });
});
