import { loadConfig, type Config } from "../../src/env.js";
import { LARK_BASE } from "./larkMock.js";

/** The app_id of the fixtures in test/fixtures/lark: the webhook refuses events for another app. */
export const TEST_APP_ID = "cli_a1b2c3d4e5f60789";
export const TEST_ENCRYPT_KEY = "test-encrypt-key-0123456789";
export const TEST_TOKEN = "test-verification-token";

/** Environment variables as loadConfig reads them; `undefined` leaves a variable unset. */
export type TestEnv = Record<string, string | undefined>;

/**
 * The one configuration every test builds: the test app's credentials, Lark at nock's
 * https://open.feishu.cn, Asia/Shanghai. `overrides` replace single variables.
 */
export function testConfig(overrides: TestEnv = {}): Config {
  return loadConfig({
    NODE_ENV: "test",
    LARK_APP_ID: TEST_APP_ID,
    LARK_APP_SECRET: "test-app-secret",
    LARK_ENCRYPT_KEY: TEST_ENCRYPT_KEY,
    LARK_VERIFICATION_TOKEN: TEST_TOKEN,
    LARK_DOMAIN: LARK_BASE,
    TZ: "Asia/Shanghai",
    LOG_LEVEL: "info",
    ...overrides,
  });
}
