import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Encryption at rest for what must not be readable in the database (a member's income, the dues
 * base): AES-256-GCM with a 32-byte key from the environment (ZHIBU_DUES_KEY).
 *
 * Sealed format: "v1:" + base64(iv (12 bytes) ‖ auth tag (16 bytes) ‖ ciphertext), a fresh random
 * IV for every seal. The tag authenticates the ciphertext, so tampering or a wrong key makes
 * `open` throw instead of returning garbage. Error messages never contain the key or plaintext.
 */

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PREFIX = "v1:";
const KEY_ERROR = "ZHIBU_DUES_KEY must be 32 bytes: 64 hex characters or base64";
const OPEN_ERROR = "cannot open sealed value: wrong ZHIBU_DUES_KEY or tampered data";

// Standard or URL-safe base64 of exactly 32 bytes: 43 characters, then an optional "=".
const BASE64_KEY_RE = /^[A-Za-z0-9+/_-]{43}=?$/;
// Standard base64 with padding, as `seal` writes it.
const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The key from its text form: 64 hex characters, or base64 of exactly 32 bytes. */
export function parseDuesKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (BASE64_KEY_RE.test(t)) {
    const key = Buffer.from(t, "base64");
    if (key.length === KEY_BYTES) return key;
  }
  throw new Error(KEY_ERROR);
}

export interface SecretBox {
  /** Encrypts a string; each call gives a different result (random IV). */
  seal(plain: string): string;
  /** Decrypts what `seal` gave; throws on a wrong key, tampering or a malformed value. */
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== KEY_BYTES) throw new Error(KEY_ERROR);
  const secret = Buffer.from(key); // a private copy: later changes to the caller's buffer don't count

  return {
    seal(plain) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv(ALGORITHM, secret, iv, { authTagLength: TAG_BYTES });
      const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString("base64");
    },
    open(sealed) {
      if (!sealed.startsWith(PREFIX)) throw new Error(`${OPEN_ERROR} (unknown format)`);
      const body = sealed.slice(PREFIX.length);
      if (!BASE64_RE.test(body)) throw new Error(`${OPEN_ERROR} (not base64)`);
      const bytes = Buffer.from(body, "base64");
      if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error(`${OPEN_ERROR} (too short)`);
      const iv = bytes.subarray(0, IV_BYTES);
      const tag = bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
      const ciphertext = bytes.subarray(IV_BYTES + TAG_BYTES);
      try {
        const decipher = createDecipheriv(ALGORITHM, secret, iv, { authTagLength: TAG_BYTES });
        decipher.setAuthTag(tag);
        return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
      } catch {
        throw new Error(OPEN_ERROR);
      }
    },
  };
}
