// An in-memory economics plugin (trade and WDI indicators, the dataset
// sources, one curated figure) and a builder for Comtrade-shaped imported
// figures, for the import tests.
#pragma once

#include <memory>
#include <string>

#include "common/plugin_host.h"
#include "dyad/economics/v1/economics.pb.h"
#include "google/protobuf/text_format.h"

namespace dyad::testing {

using dyad::economics::v1::Observation;

inline absl::StatusOr<std::unique_ptr<PluginSet>> TradePlugins() {
  LoadedPlugin p;
  p.name = "fixture_trade";
  p.version = "1.0.0";
  p.manifest.set_name("fixture_trade");
  p.manifest.add_services("economics");
  const bool parsed = google::protobuf::TextFormat::ParseFromString(R"pb(
    sources { id: "comtrade" title: "UN Comtrade" url: "https://comtradeplus.un.org/" }
    sources { id: "wdi" title: "World Development Indicators" }
    sources { id: "fixture" title: "Fixture source" }
    indicators { id: "trade.exports" display_name: "Exports" unit: "USD" directed: true }
    indicators { id: "wdi.gdp" display_name: "GDP" unit: "USD" }
    indicators { id: "wdi.fdi" display_name: "FDI, net inflows" unit: "USD"
                 allows_negative: true }
    observations { name: "observations/curated-exports-2016" indicator: "trade.exports"
                   reporter: "GEO" partner: "ARM" period { year: 2016 }
                   value { value: 100 unit: "USD" }
                   citations { source_id: "fixture" locator: "p1" } }
  )pb", &p.bundle);
  if (!parsed) return absl::InternalError("trade fixture bundle does not parse");
  std::vector<LoadedPlugin> v;
  v.push_back(std::move(p));
  return PluginSet::FromLoaded(std::move(v));
}

// A Comtrade row as an importer maps it: GEO's reported exports to ARM.
inline Observation Comtrade(const std::string& upstream_id, int year, double usd,
                     const std::string& commodity = "") {
  Observation o;
  o.set_indicator("trade.exports");
  o.set_reporter("GEO");
  o.set_partner("ARM");
  o.mutable_period()->set_year(year);
  o.mutable_value()->set_value(usd);
  o.set_commodity(commodity);
  auto* c = o.add_citations();
  c->set_source_id("comtrade");
  c->mutable_row()->set_upstream_id(upstream_id);
  c->mutable_row()->set_file("comtrade_geo_2016.csv");
  c->mutable_row()->set_line(2);
  return o;
}

}  // namespace dyad::testing
