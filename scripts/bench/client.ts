import { Worker } from "node:worker_threads";
import type { SignedRequest } from "./payloads.js";

export interface ClientJob {
  url: string;
  requests: SignedRequest[];
  timeoutMs: number;
}

export interface ClientResult {
  status: number;
  body: string;
  /** From sending the request to having read the whole answer. */
  ms: number;
  error?: string;
}

const workerUrl = new URL("./clientWorker.ts", import.meta.url).href;

/** A load generator on its own worker thread (see clientWorker.ts); fires each batch all at once. */
export class LoadClient {
  // Loader hooks are per thread (and Node 20 ignores `--import` in a worker's execArgv before its
  // entry loads), so a small bootstrap has tsx import the TypeScript worker.
  private readonly worker = new Worker(
    `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))})` +
      `.then((tsx) => tsx.tsImport(${JSON.stringify(workerUrl)}, ${JSON.stringify(workerUrl)}))`,
    { eval: true },
  );

  fire(url: string, requests: SignedRequest[], timeoutMs = 30_000): Promise<ClientResult[]> {
    return new Promise((resolve, reject) => {
      const onMessage = (results: ClientResult[]) => {
        this.worker.off("error", onError);
        resolve(results);
      };
      const onError = (error: Error) => {
        this.worker.off("message", onMessage);
        reject(error);
      };
      this.worker.once("message", onMessage);
      this.worker.once("error", onError);
      this.worker.postMessage({ url, requests, timeoutMs } satisfies ClientJob);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
