// An in-memory plugin set with a few kinds of taxonomy "cameo" and the
// dataset sources, and a builder for GDELT-shaped machine-coded events, for
// the import and count tests (no dependency on the real CAMEO plugin).
#pragma once

#include <memory>
#include <string>

#include "common/plugin_host.h"
#include "dyad/events/v1/event.pb.h"
#include "google/protobuf/text_format.h"

namespace dyad::testing {

inline absl::StatusOr<std::unique_ptr<PluginSet>> CameoFixturePlugins() {
  LoadedPlugin p;
  p.name = "fixture_cameo";
  p.version = "1.0.0";
  p.manifest.set_name("fixture_cameo");
  p.manifest.add_services("events");
  const bool parsed = google::protobuf::TextFormat::ParseFromString(R"pb(
    sources { id: "gdelt-2-0" title: "GDELT 2.0 Event Database" url: "https://www.gdeltproject.org/data.html" }
    sources { id: "icews" title: "ICEWS Coded Event Data" }
    sources { id: "fixture" title: "Fixture source" }
    event_kinds { id: "test.meeting" label: "Meeting" domain: "diplomacy" cameo_code: "042" }
    event_kinds { id: "cameo.consult" label: "Consult" domain: "diplomacy" taxonomy: "cameo"
                  cameo_code: "04" quad_class: 1 goldstein: 1 plover_type: "CONSULT" }
    event_kinds { id: "cameo.consult.visit" label: "Make a visit" domain: "diplomacy"
                  taxonomy: "cameo" cameo_code: "042" quad_class: 1 goldstein: 1.9
                  plover_type: "CONSULT" }
    event_kinds { id: "cameo.fight" label: "Fight" domain: "security" taxonomy: "cameo"
                  cameo_code: "19" quad_class: 4 goldstein: -10 plover_type: "FIGHT" }
    events { name: "events/curated-visit-2015" kind: "test.meeting" title: "Curated visit"
             date { year: 2015 month: 3 day: 2 } countries: "AZE" countries: "GEO"
             citations { source_id: "fixture" locator: "p1" } }
  )pb", &p.bundle);
  if (!parsed) return absl::InternalError("cameo fixture bundle does not parse");
  std::vector<LoadedPlugin> v;
  v.push_back(std::move(p));
  return PluginSet::FromLoaded(std::move(v));
}

// A GDELT 2.0 row as an importer maps it: kind empty, coded measures set,
// one citation naming the dataset row.
inline dyad::events::v1::Event GdeltEvent(const std::string& upstream_id, const std::string& src,
                                          const std::string& tgt, const std::string& cameo,
                                          int year, int month, int day, double goldstein,
                                          double tone) {
  dyad::events::v1::Event e;
  e.mutable_date()->set_year(year);
  e.mutable_date()->set_month(month);
  e.mutable_date()->set_day(day);
  auto* c = e.mutable_coded();
  c->set_dataset("gdelt-2-0");
  c->set_cameo_code(cameo);
  c->set_source_country(src);
  c->set_target_country(tgt);
  c->set_goldstein(goldstein);
  c->set_avg_tone(tone);
  c->set_num_mentions(3);
  auto* cit = e.add_citations();
  cit->set_source_id("gdelt-2-0");
  cit->set_url("https://example.org/news/" + upstream_id);
  cit->mutable_row()->set_upstream_id(upstream_id);
  cit->mutable_row()->set_file("20240101.export.CSV");
  cit->mutable_row()->set_line(std::stoll(upstream_id));  // tests use numeric ids
  return e;
}

}  // namespace dyad::testing
