/** What Lark sends (encrypted, signed): kept in src/lark/signing.ts, which the playground shares. */
export { encryptLark, signedBody, type SignedBody } from "../../src/lark/signing.js";
