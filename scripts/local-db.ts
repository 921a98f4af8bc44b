/**
 * Runs the local development database (SecantusDB) in the foreground, for tools such as
 * mongosh or Compass: `npm run db:start`. `npm start` and `npm test` start their own.
 */
import path from "node:path";
import { startLocalDb } from "../src/db/localServer.js";

const dataDir = path.resolve(process.env.ZHIBU_DATA_DIR ?? "./data", "db");
const port = Number(process.env.ZHIBU_DB_PORT ?? 27017);
const server = await startLocalDb({ dataDir, port });
console.log(`local database listening: ${server.uri} (data in ${dataDir}); Ctrl-C stops it`);
const stop = async () => {
  await server.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
