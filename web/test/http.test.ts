// dyad-web's HTTP surface against the real suite: the README's curl example
// run as written, every gateway method and backend read method reachable as
// plain JSON POSTs (Connect protocol) and over gRPC-Web, errors, deadlines and
// partial answers passed through unchanged, CORS, health and shutdown.

import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer as createHttp2Server } from "node:http2";
import { type Server as NetServer, type Socket, createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";

import { type DescService, create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";

import { EconomicsService } from "../src/gen/dyad/economics/v1/economics_pb.js";
import { EventService } from "../src/gen/dyad/events/v1/event_service_pb.js";
import { GetYearInReviewResponseSchema, RelationsGateway } from "../src/gen/dyad/gateway/v1/gateway_pb.js";
import { InstitutionService } from "../src/gen/dyad/institutions/v1/institutions_pb.js";
import { isRead } from "../src/server/proxy.js";
import { BUILD, REPO, Server, type Suite, startSuite, startWeb, suiteSkip, targetsOf } from "./harness.js";

const skip = suiteSkip();
const run = promisify(execFile);

interface Reply {
  status: number;
  type: string | null;
  body: any;
  headers: Headers;
  ms: number;
}

async function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  const t0 = Date.now();
  const r = await fetch(`${base}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, type: r.headers.get("content-type"), body: text ? JSON.parse(text) : undefined, headers: r.headers, ms: Date.now() - t0 };
}

const codes = (parts: { part: string; code: string }[]) => Object.fromEntries(parts.map((p) => [p.part, p.code]));

/** Requests that make each gateway method answer with data; a method added later gets `{}`. */
const SAMPLES: Record<string, unknown> = {
  GetOverview: { countries: ["AZE", "CHN"] },
  GetTimeline: { countries: ["AZE", "CHN"], period: { start: { year: 2019 }, end: { year: 2019 } }, pageSize: 5 },
  GetYearInReview: { countries: ["AZE", "CHN"], year: 2019 },
  ExplainChange: { indicator: "trade.turnover", countries: ["AZE", "CHN"], year: 2019 },
  Search: { query: "Confucius" },
  ListDiscrepancies: { countries: ["AZE", "CHN"] },
  ListSources: {},
};

describe("dyad-web over HTTP", { skip: skip ? `http: ${skip}` : false, timeout: 180_000 }, () => {
  let suite: Suite;
  let web: Server;
  let base: string;
  const extra: { stop(): Promise<void> }[] = [];

  before(async () => {
    suite = await startSuite();
    web = await startWeb(targetsOf(suite));
    base = `http://${web.target}`;
  });
  after(async () => {
    for (const s of extra.reverse()) await s.stop();
    await web?.stop();
    await suite?.stop();
  });

  it("runs the README's curl example as written", async () => {
    const readme = readFileSync(join(REPO, "README.md"), "utf8");
    const block = /<!-- web-curl:begin -->\s*```sh\n([\s\S]*?)```\s*<!-- web-curl:end -->/.exec(readme);
    assert.ok(block, "README.md has a ```sh block between <!-- web-curl:begin --> and <!-- web-curl:end -->");
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", block[1]], { env: { ...process.env, WEB: base }, timeout: 30_000 });
    const r = JSON.parse(stdout);
    assert.equal(r.year, 2019);
    assert.ok(r.events.some((e: { name: string }) => e.name === "events/ilham-aliyev-bri-forum-2019-attended"));
    assert.ok(r.indicators.some((v: { indicator: { id: string } }) => v.indicator.id === "trade.turnover"));
    assert.deepEqual(codes(r.parts), { events: "OK", economics: "OK", institutions: "OK" });
  });

  it("answers every RelationsGateway method as a JSON POST", async () => {
    for (const m of RelationsGateway.methods) {
      const r = await post(base, `dyad.gateway.v1.RelationsGateway/${m.name}`, SAMPLES[m.name] ?? {});
      assert.notEqual(r.status, 404, m.name);
      assert.notEqual(r.body?.code, "unimplemented", m.name);
      if (!(m.name in SAMPLES)) continue; // a method added since: reachable is enough
      assert.equal(r.status, 200, `${m.name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.type, "application/json");
      if (r.body.parts) assert.deepEqual(Object.values(codes(r.body.parts)), ["OK", "OK", "OK"], m.name);
    }
    const t = await post(base, "dyad.gateway.v1.RelationsGateway/GetTimeline", SAMPLES.GetTimeline);
    assert.equal(t.body.entries.length, 5);
    assert.ok(t.body.nextPageToken, "pages carry their token");
  });

  it("forwards the backends' read methods and refuses their writes", async () => {
    const services: DescService[] = [EventService, EconomicsService, InstitutionService];
    for (const s of services) {
      for (const m of s.methods) {
        if (m.methodKind !== "unary") continue;
        const r = await post(base, `${s.typeName}/${m.name}`, {});
        if (isRead(m)) {
          assert.notEqual(r.status, 404, `${s.typeName}/${m.name}`);
          assert.notEqual(r.body?.code, "unimplemented", `${s.typeName}/${m.name}`);
        } else {
          assert.equal(r.status, 501, `${s.typeName}/${m.name} is a write: not forwarded`);
          assert.equal(r.body.code, "unimplemented");
        }
      }
    }
    const series = await post(base, "dyad.economics.v1.EconomicsService/GetSeries", {
      indicator: "trade.turnover",
      reporter: "AZE",
      partner: "CHN",
      period: { start: { year: 2019 }, end: { year: 2019 } },
    });
    assert.equal(series.status, 200);
    assert.equal(series.body.points[0].value.value, 2184000000);
    assert.equal(series.body.points[0].observations.length, 2);
  });

  it("speaks gRPC-Web and the Connect protocol's binary form too", async () => {
    for (const transport of [
      createGrpcWebTransport({ baseUrl: base }),
      createConnectTransport({ baseUrl: base, useBinaryFormat: true }),
    ]) {
      const gw = createClient(RelationsGateway, transport);
      const r = await gw.getOverview({ countries: ["AZE", "CHN"] }, { timeoutMs: 10_000 });
      assert.ok(r.milestones.length > 0);
      assert.deepEqual(codes(r.parts), { events: "OK", economics: "OK", institutions: "OK" });
    }
  });

  it("passes errors through with their code and message", async () => {
    const r = await post(base, "dyad.gateway.v1.RelationsGateway/GetYearInReview", { countries: ["AZE", "CHN"], year: 0 });
    assert.equal(r.status, 400);
    assert.equal(r.type, "application/json", "the upstream's gRPC headers are not copied");
    assert.deepEqual(r.body, { code: "invalid_argument", message: "year: must be 1..9999, got 0" });
    const nf = await post(base, "dyad.events.v1.EventService/GetEvent", { name: "events/no-such-event" });
    assert.equal(nf.status, 404);
    assert.equal(nf.body.code, "not_found");
    const bad = await post(base, "dyad.gateway.v1.RelationsGateway/GetOverview", { contries: ["AZE"] });
    assert.equal(bad.status, 400, "an unknown JSON field is refused, not ignored");
  });

  it("passes the caller's deadline and token upstream, and the answer's parts back unchanged", async () => {
    // A stand-in gateway (gRPC over HTTP/2, Connect's own server) that records what it was sent.
    const seen: { timeoutMs?: number; auth: string | null }[] = [];
    const parts = [
      { part: "events", code: "OK", message: "" },
      { part: "economics", code: "DEADLINE_EXCEEDED", message: "economics: deadline exceeded after 1.2s" },
      { part: "institutions", code: "OK", message: "" },
    ];
    const fake = createHttp2Server(
      connectNodeAdapter({
        routes: (r) =>
          r.service(RelationsGateway, {
            getYearInReview(req, ctx) {
              seen.push({ timeoutMs: ctx.timeoutMs(), auth: ctx.requestHeader.get("authorization") });
              return create(GetYearInReviewResponseSchema, { year: req.year, parts });
            },
          }),
      }),
    );
    await new Promise<void>((ok) => fake.listen(0, "127.0.0.1", ok));
    extra.push({ stop: () => new Promise<void>((ok) => fake.close(() => ok())) });
    const front = await startWeb({ ...targetsOf(suite), gateway: `127.0.0.1:${(fake.address() as { port: number }).port}` }, ["--default_timeout=7s"]);
    extra.push(front);
    const fbase = `http://${front.target}`;

    const r = await post(fbase, "dyad.gateway.v1.RelationsGateway/GetYearInReview", { countries: ["AZE", "CHN"], year: 2019 }, {
      "connect-timeout-ms": "4000",
      authorization: "Bearer read-token-1",
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { year: 2019, parts: parts.map((p) => (p.message ? p : { part: p.part, code: p.code })) });
    // The caller's 4 s, less the relay margin (a tenth) and the time spent getting there.
    assert.ok(seen[0].timeoutMs! > 3000 && seen[0].timeoutMs! <= 3600, `upstream deadline ${seen[0].timeoutMs} ms`);
    assert.equal(seen[0].auth, "Bearer read-token-1");

    // gRPC-Web's grpc-timeout is read the same way.
    const web = createClient(RelationsGateway, createGrpcWebTransport({ baseUrl: fbase }));
    await web.getYearInReview({ countries: ["AZE", "CHN"], year: 2019 }, { timeoutMs: 2500 });
    assert.ok(seen[1].timeoutMs! > 1500 && seen[1].timeoutMs! <= 2250, `upstream deadline ${seen[1].timeoutMs} ms`);

    // No deadline from the caller: --default_timeout (7 s) goes upstream.
    await post(fbase, "dyad.gateway.v1.RelationsGateway/GetYearInReview", { countries: ["AZE", "CHN"], year: 2019 });
    assert.ok(seen[2].timeoutMs! > 6000 && seen[2].timeoutMs! <= 7000, `upstream deadline ${seen[2].timeoutMs} ms`);
    assert.equal(seen[2].auth, null);
  });

  it("answers within the caller's deadline with what the backends gave when one hangs", async () => {
    // The real gateway in front of a backend that accepts connections and never answers.
    const sockets: Socket[] = [];
    const hole: NetServer = createServer((s) => sockets.push(s));
    await new Promise<void>((ok) => hole.listen(0, "127.0.0.1", ok));
    const holePort = (hole.address() as { port: number }).port;
    extra.push({ stop: () => new Promise<void>((ok) => (sockets.forEach((s) => s.destroy()), hole.close(() => ok()))) });
    const gw = new Server("gateway-slow", [
      join(BUILD, "bin", "dyad-gateway"),
      "--port=0",
      "--host=127.0.0.1",
      `--events=${suite.target("events")}`,
      `--economics=127.0.0.1:${holePort}`,
      `--institutions=${suite.target("institutions")}`,
      "--backend_timeout=60s",
    ]);
    extra.push(await gw.waitServing());
    const slow = await startWeb({ ...targetsOf(suite), gateway: gw.target, economics: `127.0.0.1:${holePort}` });
    extra.push(slow);
    const sbase = `http://${slow.target}`;

    const r = await post(sbase, "dyad.gateway.v1.RelationsGateway/GetYearInReview", { countries: ["AZE", "CHN"], year: 2019 }, { "connect-timeout-ms": "3000" });
    // 200, not 504: the partial answer came back in time (the gateway would
    // otherwise wait for --backend_timeout, 60 s).
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.ok(r.ms < 3000, `${r.ms} ms`);
    assert.deepEqual(codes(r.body.parts), { events: "OK", economics: "DEADLINE_EXCEEDED", institutions: "OK" });
    assert.ok(r.body.events.length > 0, "the events are in the partial answer");

    // A backend read method on its own just times out, with the caller's deadline.
    const e = await post(sbase, "dyad.economics.v1.EconomicsService/ListIndicators", {}, { "connect-timeout-ms": "300" });
    assert.equal(e.status, 504);
    assert.equal(e.body.code, "deadline_exceeded");
  });

  it("answers CORS preflights for the configured origins only", async () => {
    const cors = await startWeb(targetsOf(suite), ["--cors_origins=https://allowed.example,https://other.example"]);
    extra.push(cors);
    const preflight = (b: string, origin: string) =>
      fetch(`${b}/dyad.gateway.v1.RelationsGateway/GetOverview`, {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-timeout-ms" },
      });
    const ok = await preflight(`http://${cors.target}`, "https://allowed.example");
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://allowed.example");
    assert.match(ok.headers.get("access-control-allow-headers") ?? "", /connect-timeout-ms/i);
    const no = await preflight(`http://${cors.target}`, "https://evil.example");
    assert.equal(no.headers.get("access-control-allow-origin"), null);
    const sameOnly = await preflight(base, "https://allowed.example");
    assert.equal(sameOnly.headers.get("access-control-allow-origin"), null, "no --cors_origins: same origin only");
    const call = await post(`http://${cors.target}`, "dyad.gateway.v1.RelationsGateway/ListSources", {}, { origin: "https://other.example" });
    assert.equal(call.headers.get("access-control-allow-origin"), "https://other.example");
  });

  it("serves the page, /healthz, and stops cleanly on SIGTERM", async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/app.js"><\/script>/);
    assert.equal((await fetch(`${base}/app.js`)).status, 200);
    assert.equal((await fetch(`${base}/../package.json`)).status, 404);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const own = await startWeb(targetsOf(suite));
    await own.stop();
    assert.match(own.log, /SIGTERM: draining/);
    assert.match(own.log, /stopped/);
  });

  it("lists its flags as the servers do, and refuses an unknown one", async () => {
    const { stdout } = await run(process.execPath, [join(REPO, "web", "dist", "server.js"), "--help"]);
    for (const f of ["port", "host", "gateway", "events", "economics", "institutions", "cors_origins", "default_timeout", "shutdown_grace"]) {
      assert.match(stdout, new RegExp(`^    --${f} \\(.*\\); default: .*;$`, "m"), f);
    }
    await assert.rejects(run(process.execPath, [join(REPO, "web", "dist", "server.js"), "--prot=1"]), /Unknown option '--prot'/);
  });
});
