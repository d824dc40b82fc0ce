// libFuzzer target: request validation and querying of the events domain.
// The first byte picks the request type; the rest is its serialized form.
// Every input must end in a result or an error status, never a crash.
#include <cstddef>
#include <cstdint>
#include <memory>

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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const int len = static_cast<int>(size - 1);
  switch (data[0] % 5) {
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
  }
  return 0;
}
