import { describe, expect, it } from "vitest";
import { CARD_KINDS, cardRenderers, cardSentHooks } from "../../src/delivery/cardKinds.js";
import { defineCardKind } from "../../src/delivery/cardMessages.js";
import type { AppDeps } from "../../src/deps.js";

const deps = {} as Pick<AppDeps, "models" | "clock" | "config">;

describe("card kinds registry", () => {
  it("keeps the names stored outbox items use: the render type and the `-card` sent hook", () => {
    expect(CARD_KINDS.map((k) => k.kind)).toEqual(["meeting", "study"]);
    expect(Object.keys(cardRenderers(deps))).toEqual(["meeting", "study"]);
    expect(Object.keys(cardSentHooks(deps))).toEqual(["meeting-card", "study-card"]);
  });

  it("wires a kind's load, render and onSent into the worker's renderer and hook", async () => {
    const sent: string[] = [];
    const note = defineCardKind<{ text: string }>({
      kind: "note",
      load: async (_deps, id) => (id === "N1" ? { text: "通知" } : null),
      render: async (_deps, record) => ({ body: record.text }),
      onSent: async (_deps, id, messageId) => void sent.push(`${id}:${messageId}`),
    });
    const render = cardRenderers(deps, [note]).note!;
    expect(await render({ type: "note", id: "N1" })).toEqual({ body: "通知" });
    expect(await render({ type: "note", id: "N2" })).toBeNull();
    await cardSentHooks(deps, [note])["note-card"]!("N1", "om_1");
    expect(sent).toEqual(["N1:om_1"]);
  });
});
