// The package as an application gets it: `npm pack`, the tarball installed
// into a fresh project (its dependencies from npm's cache, else the
// registry), type-checked with the consumer's own tsconfig, run against the
// real servers with connect() and, through dyad-web, with the browser
// entry's fetch transports; and bundled for the browser by esbuild.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";

import * as esbuild from "esbuild";

import { REPO, Server, Suite, skipReason } from "./harness.js";

/** clients/typescript (the tests run from dist/test). */
const HERE = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SERVER_JS = join(REPO, "web", "dist", "server.js");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env?: Record<string, string> },
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((ok) => {
    execFile(
      cmd,
      args,
      { cwd: opts.cwd, env: { ...process.env, ...opts.env }, timeout: 300_000, maxBuffer: 64 << 20 },
      (error, out, err) => ok({ code: error ? Number(error.code ?? 1) || 1 : 0, out, err }),
    );
  });
}

const skip = skipReason("gateway", "events", "economics", "institutions");

describe("npm pack, installed into a fresh project", { skip }, () => {
  let tmp = "";
  let app = "";
  let tarball = "";
  let packed: string[] = [];
  const suite = new Suite();
  let web: Server | undefined;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), "dyad-ts-package-"));
    const pack = await run(NPM, ["pack", "--ignore-scripts", "--json", "--pack-destination", tmp], { cwd: HERE });
    assert.equal(pack.code, 0, pack.err);
    const [info] = JSON.parse(pack.out) as { filename: string; files: { path: string }[] }[];
    tarball = join(tmp, info.filename);
    packed = info.files.map((f) => f.path);

    app = join(tmp, "app");
    mkdirSync(app);
    const files: Record<string, string> = {
      "package.json": JSON.stringify(
        {
          name: "dyad-consumer",
          private: true,
          type: "module",
          dependencies: {
            "@dyad/client": `file:${tarball}`,
            "@connectrpc/connect": "2.1.2",
            "@connectrpc/connect-web": "2.1.2",
          },
        },
        null,
        2,
      ),
      "tsconfig.json": JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          lib: ["ES2022", "DOM"],
          types: [],
          strict: true,
          noEmit: true,
          skipLibCheck: true,
        },
        include: ["*.ts"],
      }),
      // What an application writes; tsc must accept it...
      "consumer.ts": `
import { ConnectError } from "@connectrpc/connect";
import { type DyadClient, DyadError, connect, formatPartialDate, gateway } from "@dyad/client";
import { connectWeb, createDyadClient } from "@dyad/client/web";
import { createConnectTransport } from "@connectrpc/connect-web";

export async function titles(dyad: DyadClient): Promise<string[]> {
  const out: string[] = [];
  for await (const e of dyad.iterEvents({ countries: ["AZE", "CHN"], period: 2015 })) {
    out.push(\`\${formatPartialDate(e.date)} \${e.title}\`);
  }
  return out;
}
export async function review(): Promise<gateway.GetYearInReviewResponse> {
  const web = createDyadClient(createConnectTransport({ baseUrl: "http://localhost:8080" }));
  try {
    return await web.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 });
  } catch (e) {
    if (e instanceof DyadError && e instanceof ConnectError) console.log(e.codeName, e.rawMessage);
    throw e;
  }
}
export const clients = [connect("127.0.0.1:50050"), connectWeb({ baseUrl: "http://x", protocol: "grpc-web" })];
`,
      // ...and reject this (the types are real, not any).
      "wrong.ts": `
import { connect } from "@dyad/client";
export async function f(): Promise<number> {
  const r = await connect().gateway.getYearInReview({ countries: ["AZE", "CHN"], year: "2019" });
  return r.year;
}
`,
      // Runs with Node against the real servers (gRPC over HTTP/2).
      "node.mjs": `
import { ConnectError } from "@connectrpc/connect";
import { DyadError, connect, isoPartialDate } from "@dyad/client";
const dyad = connect({ target: process.env.GATEWAY, events: process.env.EVENTS });
const review = await dyad.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 });
const events = await dyad.iterEvents({ countries: ["AZE", "CHN"], period: 2015, pageSize: 2 }).all();
let error;
try {
  await dyad.events.listEvents({ pageSize: -1 });
} catch (e) {
  error = { dyad: e instanceof DyadError, connect: e instanceof ConnectError, code: e.codeName, raw: e.rawMessage };
}
dyad.close();
console.log(JSON.stringify({
  year: review.year,
  parts: review.parts.map((p) => p.part + ":" + p.code).sort(),
  // An event dated only by bounds (e.g. "after January 2013, by 2020")
  // starts before 2015 and ends after it: it is listed for 2015 too.
  events: events.map((e) => isoPartialDate(e.date) + (e.endDate ? "/" + isoPartialDate(e.endDate) : "") + " " + e.name),
  error,
}));
`,
      // The browser entry, with fetch, through dyad-web: a Connect (JSON)
      // transport made with createConnectTransport, and connectWeb over gRPC-Web.
      "web.mjs": `
import { ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { DyadError, connectWeb, createDyadClient } from "@dyad/client/web";
const baseUrl = process.env.WEB;
const json = createDyadClient(createConnectTransport({ baseUrl }));
const review = await json.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 });
const events = await json.iterEvents({ countries: ["AZE", "CHN"], period: 2015, pageSize: 2 }).all();
const grpcWeb = connectWeb({ baseUrl, protocol: "grpc-web" });
const review2 = await grpcWeb.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 });
let error;
try {
  await json.events.listEvents({ pageSize: -1 });
} catch (e) {
  error = { dyad: e instanceof DyadError, connect: e instanceof ConnectError, code: e.codeName, raw: e.rawMessage };
}
console.log(JSON.stringify({
  year: review.year,
  sameOverGrpcWeb: JSON.stringify(review2.events.map((e) => e.name)) === JSON.stringify(review.events.map((e) => e.name)),
  parts: review.parts.map((p) => p.part + ":" + p.code).sort(),
  events: events.map((e) => e.name),
  error,
}));
`,
      "browser.js": `
import { connectWeb, formatPartialDate } from "@dyad/client/web";
const dyad = connectWeb(location.origin);
dyad.gateway.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 })
  .then((r) => { document.body.textContent = r.events.map((e) => formatPartialDate(e.date)).join(", "); });
`,
      "browser-node-entry.js": `import { connect } from "@dyad/client"; connect();`,
    };
    for (const [name, text] of Object.entries(files)) writeFileSync(join(app, name), text);
    const install = await run(
      NPM,
      ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
      { cwd: app },
    );
    assert.equal(install.code, 0, install.err + install.out);

    await Promise.all(["events", "economics", "institutions"].map((b) => suite.startBackend(b as "events")));
    await suite.startGateway(suite.target("events"), suite.target("economics"), suite.target("institutions"));
  });

  after(async () => {
    await web?.stop();
    await suite.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("packs the compiled code, its types and generated messages, nothing else", () => {
    for (const f of [
      "package.json",
      "README.md",
      "dist/src/index.js",
      "dist/src/index.d.ts",
      "dist/src/web.js",
      "dist/src/web.d.ts",
      "dist/src/node.js",
      "dist/src/gen/dyad/gateway/v1/gateway_pb.js",
      "dist/src/gen/dyad/gateway/v1/gateway_pb.d.ts",
      "src/client.ts",
    ]) {
      assert.ok(packed.includes(f), `${f} in the tarball`);
    }
    const stray = packed.filter((f) => /^(dist\/)?(test|examples|scripts|node_modules)\//.test(f));
    assert.deepEqual(stray, []);
    assert.ok(existsSync(join(app, "node_modules", "@dyad", "client", "dist", "src", "index.js")));
  });

  it("type-checks an application's code with the package's own types", async () => {
    const tsc = join(HERE, "node_modules", "typescript", "bin", "tsc");
    const r = await run(process.execPath, [tsc, "-p", "."], { cwd: app });
    const errors = r.out.split("\n").filter((l) => /error TS/.test(l));
    assert.equal(errors.length, 1, r.out);
    assert.match(errors[0], /^wrong\.ts\(\d+,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
  });

  it("calls the real servers from Node (connect, gRPC)", async () => {
    const r = await run(process.execPath, ["node.mjs"], {
      cwd: app,
      env: { GATEWAY: suite.target("gateway"), EVENTS: suite.target("events") },
    });
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out);
    assert.equal(got.year, 2019);
    assert.deepEqual(got.parts, ["economics:OK", "events:OK", "institutions:OK"]);
    assert.ok(got.events.length > 2, r.out);
    // Each listed event's span meets 2015: it starts in 2015, or starts
    // before and ends in or after 2015.
    assert.ok(got.events.every((e: string) => {
      const [span] = e.split(" ");
      const [start, end] = span.split("/");
      return start.startsWith("2015") || (start < "2015" && end !== undefined && end >= "2015");
    }), r.out);
    assert.deepEqual(got.error, {
      dyad: true,
      connect: true,
      code: "INVALID_ARGUMENT",
      raw: got.error.raw,
    });
    assert.match(got.error.raw, /page_size/);
  });

  it("calls through dyad-web with the browser entry (createConnectTransport, gRPC-Web)", async (t) => {
    if (!existsSync(SERVER_JS)) {
      if (process.env.DYAD_REQUIRE_WEB) assert.fail(`${SERVER_JS} missing (the web_build test builds it)`);
      t.skip(`${SERVER_JS} missing: build web/ first (web/scripts/build.sh)`);
      return;
    }
    web = await new Server("web", [
      process.execPath,
      SERVER_JS,
      "--port=0",
      "--host=127.0.0.1",
      `--gateway=${suite.target("gateway")}`,
      `--events=${suite.target("events")}`,
      `--economics=${suite.target("economics")}`,
      `--institutions=${suite.target("institutions")}`,
      "--shutdown_grace=2s",
    ]).waitServing();
    const r = await run(process.execPath, ["web.mjs"], { cwd: app, env: { WEB: `http://${web.target}` } });
    assert.equal(r.code, 0, r.err);
    const got = JSON.parse(r.out);
    assert.equal(got.year, 2019);
    assert.equal(got.sameOverGrpcWeb, true);
    assert.deepEqual(got.parts, ["economics:OK", "events:OK", "institutions:OK"]);
    assert.ok(got.events.length > 2, r.out);
    assert.equal(got.error.dyad, true);
    assert.equal(got.error.connect, true);
    assert.equal(got.error.code, "INVALID_ARGUMENT");
  });

  it("bundles for the browser: the web entry needs no Node.js module, the Node one does", async () => {
    const bundle = (entry: string) =>
      esbuild.build({
        entryPoints: [join(app, entry)],
        absWorkingDir: app,
        bundle: true,
        platform: "browser",
        format: "esm",
        write: false,
        logLevel: "silent",
      });
    const ok = await bundle("browser.js");
    const text = ok.outputFiles[0].text;
    assert.ok(text.includes("dyad.gateway.v1.RelationsGateway"));
    assert.ok(!/node:|http2/.test(text), "no Node.js module in the browser bundle");
    await assert.rejects(bundle("browser-node-entry.js"), /node:http2|http2/);
  });
});
