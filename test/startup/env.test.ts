import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/env.js";

const base = {
  LARK_APP_ID: "cli_a1b2c3d4e5f60789",
  LARK_APP_SECRET: "secret",
  LARK_ENCRYPT_KEY: "encrypt-key",
  LARK_VERIFICATION_TOKEN: "token",
};

const messageOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a ConfigError");
};

describe("configuration at start", () => {
  it("accepts an app id of cli_ and 16 hex characters", () => {
    expect(loadConfig(base).LARK_APP_ID).toBe("cli_a1b2c3d4e5f60789");
  });

  it.each(["a1b2c3d4e5f60789", "cli_slkdjalasdkjasd", "cli_a1b2c3d4e5f6078", "cli_a1b2c3d4e5f60789 "])(
    "refuses the app id %j with the shape it expects",
    (appId) => {
      expect(messageOf({ ...base, LARK_APP_ID: appId })).toContain(
        "LARK_APP_ID: expected cli_ followed by 16 hex characters",
      );
    },
  );

  it("requires the encrypt key and verification token in webhook mode", () => {
    const message = messageOf({ LARK_APP_ID: base.LARK_APP_ID, LARK_APP_SECRET: "s" });
    expect(message).toContain("LARK_ENCRYPT_KEY: required in webhook mode");
    expect(message).toContain("LARK_VERIFICATION_TOKEN: required in webhook mode");
  });

  it("does not require them in long-connection mode", () => {
    const config = loadConfig({ LARK_APP_ID: base.LARK_APP_ID, LARK_APP_SECRET: "s", LARK_TRANSPORT: "ws" });
    expect(config.LARK_TRANSPORT).toBe("ws");
  });
});
