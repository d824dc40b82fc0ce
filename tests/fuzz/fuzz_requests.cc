// libFuzzer target: request validation and querying of the events domain.
// The first byte picks the request type; the rest is its serialized form.
// Every input must end in a result or an error status, never a crash.
//
// Selectors 5-8 build the shapes of request that found the hardening bugs,
// from the rest of the input: a real request wrapped in large unknown fields
// (5), huge repeated fields (6), deeply nested groups, past protobuf's
// recursion limit (7), and strings that are not UTF-8 handed straight to
// the domain code, as a C++ caller could (8).
#include <cstddef>
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>

#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/validation.h"
#include "event_core.h"
#include "google/protobuf/text_format.h"

namespace {

using namespace dyad::events::v1;  // NOLINT

dyad::events::EventCore* Core() {
  static dyad::events::EventCore* core = [] {
    dyad::LoadedPlugin p;
    p.name = "fuzz";
    p.version = "1";
    p.manifest.set_name("fuzz");
    p.manifest.add_services("events");
    google::protobuf::TextFormat::ParseFromString(R"pb(
      sources { id: "s" title: "Source" }
      event_kinds { id: "k.a" label: "A" domain: "d" }
      event_kinds { id: "k.a.b" label: "B" domain: "e" }
      events { name: "events/one" kind: "k.a" title: "Trade deal on railway cargo"
               date { year: 2015 month: 12 day: 8 } end_date { year: 2015 month: 12 day: 11 }
               countries: "AZE" countries: "CHN" citations { source_id: "s" locator: "p1" } }
      events { name: "events/two" kind: "k.a.b" title: "Summit"
               date { year: 1994 } countries: "AZE" countries: "CHN" countries: "KAZ"
               citations { source_id: "s" locator: "p2" } }
    )pb", &p.bundle);
    std::vector<dyad::LoadedPlugin> v;
    v.push_back(std::move(p));
    static auto set = dyad::PluginSet::FromLoaded(std::move(v));
    if (!set.ok()) std::abort();
    auto store = dyad::events::OpenSqliteEventStore(":memory:");
    if (!store.ok()) std::abort();
    auto* c = new dyad::events::EventCore(std::move(*store), set->get());
    if (!c->LoadPluginRecords().ok()) std::abort();
    return c;
  }();
  return core;
}

void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutTag(uint32_t field, uint32_t wire_type, std::string* out) {
  PutVarint((static_cast<uint64_t>(field) << 3) | wire_type, out);
}

// `bytes` repeated to `n` bytes (or "x" repeated when empty).
std::string Repeat(const char* bytes, int len, size_t n) {
  std::string out;
  out.reserve(n);
  while (out.size() < n) {
    if (len <= 0) {
      out.append(n - out.size(), 'x');
    } else {
      out.append(bytes, std::min(static_cast<size_t>(len), n - out.size()));
    }
  }
  return out;
}

// Parses `wire` as each request type and runs what parses.
void ParseAndRun(const std::string& wire) {
  ListEventsRequest list;
  if (list.ParseFromString(wire)) (void)Core()->ListEvents(list);
  CreateEventRequest create;
  if (create.ParseFromString(wire)) (void)Core()->CreateEvent(create);
  GetEventRequest get;
  if (get.ParseFromString(wire)) (void)Core()->GetEvent(get);
}

// 5: a real dyad query with unknown fields around it: one large
// length-delimited field (up to 1 MiB of the input repeated), varints and
// fixed-width fields, at field numbers no message uses.
void UnknownFields(const char* bytes, int len) {
  ListEventsRequest base;
  base.add_countries("AZE");
  base.add_countries("CHN");
  base.mutable_period()->mutable_start()->set_year(2015);
  std::string wire = base.SerializeAsString();
  const uint8_t shape = len > 0 ? static_cast<uint8_t>(bytes[0]) : 0;
  const size_t large = std::min<size_t>(1 << 20, 4096 * static_cast<size_t>(len + 1));
  PutTag(1000 + shape, 2, &wire);
  PutVarint(large, &wire);
  wire += Repeat(bytes, len, large);
  PutTag(536870911, 0, &wire);  // the highest field number
  PutVarint(UINT64_MAX, &wire);
  PutTag(77, 1, &wire);
  wire.append(8, '\xff');
  PutTag(78, 5, &wire);
  wire.append(4, '\0');
  ParseAndRun(wire);
  // The same unknown field inside the nested period and before the query.
  std::string nested;
  PutTag(2, 2, &nested);  // period
  std::string period;
  PutTag(1000, 2, &period);
  PutVarint(std::min<size_t>(large, 1 << 16), &period);
  period += Repeat(bytes, len, std::min<size_t>(large, 1 << 16));
  PutVarint(period.size(), &nested);
  nested += period;
  ParseAndRun(nested + wire);
}

// 6: huge repeated fields (up to 100k entries), built from the input, on
// the list query and on a created event.
void HugeRepeated(const char* bytes, int len) {
  const size_t n = std::min<size_t>(100000, 1 + 1000 * static_cast<size_t>(len));
  auto piece = [&](size_t i) {
    if (len <= 1) return std::string("AZE");
    const size_t at = i % static_cast<size_t>(len);
    return std::string(bytes + at, std::min<size_t>(3, static_cast<size_t>(len) - at));
  };
  ListEventsRequest list;
  for (size_t i = 0; i < n; ++i) {
    list.add_countries(i % 2 ? "AZE" : piece(i));
    if (i % 4 == 0) list.add_kinds(i % 8 ? "k.a" : piece(i));
    if (i % 16 == 0) list.add_domains(piece(i));
  }
  (void)Core()->ListEvents(list);
  // Parsed from the wire as a server would.
  ListEventsRequest parsed;
  if (parsed.ParseFromString(list.SerializeAsString())) (void)Core()->ListEvents(parsed);
  CreateEventRequest create;
  Event* e = create.mutable_event();
  e->set_kind("k.a");
  e->set_title("Repeated");
  e->mutable_date()->set_year(2020);
  for (size_t i = 0; i < n / 4; ++i) {
    e->add_countries(i % 2 ? "AZE" : piece(i));
    auto* c = e->add_citations();
    c->set_source_id("s");
    c->set_locator(piece(i));
    if (i % 8 == 0) e->add_participants()->set_name(piece(i));
    if (i % 8 == 1) e->add_tags(piece(i));
  }
  (void)Core()->CreateEvent(create);
}

// 7: groups (and length-delimited fields) nested up to 20000 deep: the
// parser must refuse past its recursion limit, not overflow the stack.
void DeeplyNested(const char* bytes, int len) {
  const size_t depth = std::min<size_t>(20000, 64 + 200 * static_cast<size_t>(len));
  std::string wire;
  PutTag(1, 2, &wire);  // countries, a valid field first
  PutVarint(3, &wire);
  wire += "AZE";
  for (size_t i = 0; i < depth; ++i) PutTag(2000, 3, &wire);  // start group
  wire.append(bytes, static_cast<size_t>(len));
  for (size_t i = 0; i < depth; ++i) PutTag(2000, 4, &wire);  // end group
  ParseAndRun(wire);
  // Length-delimited nesting through the known message fields:
  // CreateEventRequest.event { date { ... } } with unknown nesting inside.
  std::string inner(bytes, static_cast<size_t>(len));
  for (size_t i = 0; i < std::min<size_t>(depth, 2000); ++i) {
    std::string outer;
    PutTag(i % 3 == 0 ? 1 : 3000, 2, &outer);
    PutVarint(inner.size(), &outer);
    outer += inner;
    inner.swap(outer);
  }
  ParseAndRun(inner);
}

// 8: strings that are not valid UTF-8 (the input's bytes, with 0xff and a
// lone continuation byte) in every string field, handed to the domain code
// directly, as a caller that never serialized could.
void InvalidUtf8(const char* bytes, int len) {
  std::string bad(bytes, static_cast<size_t>(len));
  bad += "\xff\x80\xc3";
  ListEventsRequest list;
  list.add_countries(bad.substr(0, 3));
  list.add_countries("CHN");
  list.add_kinds(bad);
  list.add_domains(bad);
  list.set_query(bad);
  list.set_page_token(bad);
  (void)Core()->ListEvents(list);
  list.clear_page_token();
  list.clear_kinds();
  list.clear_domains();
  (void)Core()->ListEvents(list);
  list.clear_countries();
  (void)Core()->ListEvents(list);
  CreateEventRequest create;
  Event* e = create.mutable_event();
  e->set_kind("k.a");
  e->set_title(bad);
  e->set_summary(bad);
  e->set_fact(bad);
  e->mutable_date()->set_year(2021);
  e->add_countries("AZE");
  e->add_tags(bad);
  e->add_participants()->set_name(bad);
  e->mutable_location()->set_name(bad);
  auto* c = e->add_citations();
  c->set_source_id("s");
  c->set_locator(bad);
  c->set_note(bad);
  create.set_event_id(bad);
  (void)Core()->CreateEvent(create);
  create.clear_event_id();
  (void)Core()->CreateEvent(create);
  GetEventRequest get;
  get.set_name("events/" + bad);
  (void)Core()->GetEvent(get);
  // On the wire a proto3 parser refuses them.
  std::string wire;
  PutTag(5, 2, &wire);  // query
  PutVarint(bad.size(), &wire);
  wire += bad;
  ParseAndRun(wire);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const int len = static_cast<int>(size - 1);
  switch (data[0] % 9) {
    case 0: {
      ListEventsRequest req;
      if (req.ParseFromArray(bytes, len)) (void)Core()->ListEvents(req);
      break;
    }
    case 1: {
      CreateEventRequest req;
      if (req.ParseFromArray(bytes, len)) (void)Core()->CreateEvent(req);
      break;
    }
    case 2: {
      GetEventRequest req;
      if (req.ParseFromArray(bytes, len)) (void)Core()->GetEvent(req);
      break;
    }
    case 3: {
      const std::string s(bytes, len);
      (void)dyad::DecodePageToken(s, dyad::Fingerprint("x"));
      (void)dyad::ToFtsQuery(s);
      (void)dyad::ValidateText(s, "f", 512);
      (void)dyad::ValidateCountry(s, "f");
      (void)dyad::ParseResourceName(s, "events", "name");
      break;
    }
    case 4: {
      dyad::type::v1::DateRange r;
      if (r.ParseFromArray(bytes, len) && dyad::ValidateDateRange(r, "p").ok()) {
        (void)dyad::RangeDays(r);
        (void)dyad::SortKey(r.start());
        (void)dyad::FormatPartialDate(r.end());
      }
      break;
    }
    case 5:
      UnknownFields(bytes, len);
      break;
    case 6:
      HugeRepeated(bytes, len);
      break;
    case 7:
      DeeplyNested(bytes, len);
      break;
    case 8:
      InvalidUtf8(bytes, len);
      break;
  }
  return 0;
}
