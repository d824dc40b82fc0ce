// Client pieces that need no server: targets, error mapping.

import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { Code, ConnectError } from "@connectrpc/connect";
import { CODE_NAMES, DyadError, baseUrl, connect } from "../src/index.js";

describe("targets", () => {
  it("turns gRPC targets into base URLs", () => {
    assert.equal(baseUrl("127.0.0.1:50050"), "http://127.0.0.1:50050");
    assert.equal(baseUrl("dns:///gateway:50050"), "http://gateway:50050");
    assert.equal(baseUrl("dns://8.8.8.8/gateway:50050"), "http://gateway:50050");
    assert.equal(baseUrl("dns:gateway:50050"), "http://gateway:50050");
    assert.equal(baseUrl("https://dyad.example:443/"), "https://dyad.example:443");
    assert.throws(() => baseUrl("unix:///tmp/dyad.sock"), RangeError);
  });

  it("gives each backend the gateway's target unless told otherwise", () => {
    const c = connect({ target: "gw:1", events: "ev:2" });
    assert.deepEqual(c.targets, { gateway: "gw:1", events: "ev:2", economics: "gw:1", institutions: "gw:1" });
    c.close();
  });
});

describe("DyadError", () => {
  it("knows the canonical code names", () => {
    assert.equal(CODE_NAMES.length, 17);
    assert.equal(CODE_NAMES[Code.InvalidArgument], "INVALID_ARGUMENT");
    assert.equal(CODE_NAMES[Code.Unauthenticated], "UNAUTHENTICATED");
  });

  it("maps a ConnectError and stays one", () => {
    const ce = new ConnectError("page_size: must not be negative", Code.InvalidArgument, { "x-trace": "t1" });
    const e = DyadError.from(ce, "/dyad.events.v1.EventService/ListEvents");
    assert.ok(e instanceof ConnectError);
    assert.ok(e instanceof DyadError);
    assert.equal(e.name, "ConnectError", "Connect recognises its errors by name across copies");
    assert.equal(e.code, Code.InvalidArgument);
    assert.equal(e.codeName, "INVALID_ARGUMENT");
    assert.equal(e.grpcCode, 3);
    assert.equal(e.rawMessage, "page_size: must not be negative");
    assert.equal(e.message, "[invalid_argument] page_size: must not be negative");
    assert.equal(e.metadata.get("x-trace"), "t1");
    assert.equal(e.cause, ce);
    assert.equal(
      String(e),
      "DyadError: INVALID_ARGUMENT: page_size: must not be negative (/dyad.events.v1.EventService/ListEvents)",
    );
    assert.equal(DyadError.from(e), e);
    assert.equal(ConnectError.from(e), e, "Connect takes it as its own");
  });

  it("is not confused with a plain ConnectError", () => {
    assert.ok(!(new ConnectError("x", Code.Internal) instanceof DyadError));
    assert.ok(!((new Error("x") as unknown) instanceof DyadError));
  });

  it("maps anything else to UNKNOWN (or the code given)", () => {
    const e = DyadError.from(new Error("boom"));
    assert.equal(e.codeName, "UNKNOWN");
    assert.equal(e.rawMessage, "boom");
    assert.equal(DyadError.from("x", Code.Internal).codeName, "INTERNAL");
  });
});
