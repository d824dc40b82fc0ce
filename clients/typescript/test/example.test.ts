// examples/year-in-review.ts prints real answers against real servers.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";

import { BACKENDS, Suite, skipReason, unusedPort } from "./harness.js";

// Compiled next to this file: dist/test -> dist/examples.
const EXAMPLE = fileURLToPath(new URL("../examples/year-in-review.js", import.meta.url));

function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(
      process.execPath,
      [EXAMPLE, ...args],
      { env: { ...process.env, DYAD_TARGET: "" }, timeout: 120_000 },
      (error, out, err) => ok({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    );
  });
}

describe("year-in-review example", { skip: skipReason("events") }, () => {
  const suite = new Suite();
  before(async () => {
    await suite.startBackend("events");
  });
  after(async () => {
    await suite.stop();
  });

  it("prints the events of 2015 with citations", async () => {
    const down = `127.0.0.1:${await unusedPort()}`;
    const r = await run("--events", suite.target("events"), "--target", down, "--page-size", "2");
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Events of 2015 between AZE and CHN/);
    assert.match(r.out, /December 2015/);
    assert.match(r.out, /cites /);
    assert.match(r.out, /date known to the month/, "precision shown, never invented");
    assert.match(r.out, /not available \(UNAVAILABLE\): year in review skipped/);
  });

  it("fails when the events service is down", async () => {
    const down = `127.0.0.1:${await unusedPort()}`;
    const r = await run("--events", down, "--target", down);
    assert.equal(r.code, 1);
    assert.match(r.err, /UNAVAILABLE/);
  });

  it("reviews 2019 through the gateway", { skip: skipReason("gateway", ...BACKENDS) }, async () => {
    const full = new Suite();
    let r;
    try {
      await full.startAll();
      r = await run("--events", full.target("events"), "--target", full.target("gateway"));
    } finally {
      await full.stop();
    }
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Year in review 2019/);
    const backends = r.out.split("\n").find((l) => l.trim().startsWith("backends:")) ?? "";
    for (const part of BACKENDS) assert.match(backends, new RegExp(`${part} OK`));
  });
});
