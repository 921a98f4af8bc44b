import nock from "nock";
import { afterEach } from "vitest";

// No real network in tests: loopback only (the database and the app under test).
nock.disableNetConnect();
nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);

afterEach(() => {
  nock.abortPendingRequests();
});
