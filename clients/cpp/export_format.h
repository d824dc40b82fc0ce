// Rows of `dyad export`: records flattened into the columns documented in
// docs/export.md, which are the columns of the Python client's DataFrames
// (clients/python/dyad_client/frames.py), so an exported CSV reads back into
// the same frame (dyad_client.read_export_csv). Plain functions, no I/O.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "dyad/economics/v1/economics.pb.h"
#include "dyad/events/v1/event.pb.h"
#include "dyad/institutions/v1/institutions.pb.h"
#include "dyad/type/v1/date.pb.h"
#include "dyad/type/v1/quantity.pb.h"
#include "google/protobuf/message.h"

namespace dyad::cli {

// Column names, in order, of each record type.
const std::vector<std::string>& EventColumns();
const std::vector<std::string>& ObservationColumns();
const std::vector<std::string>& InstitutionColumns();

// One value per column of the matching *Columns(). Empty text stands for
// "none"; lists are joined with ";".
std::vector<std::string> EventRow(const dyad::events::v1::Event& e);
std::vector<std::string> ObservationRow(const dyad::economics::v1::Observation& o);
std::vector<std::string> InstitutionRow(const dyad::institutions::v1::Institution& i);

// Pieces, exposed for the tests.
// "2015", "2015-04", "2015-04-27"; "" when the year is 0.
std::string IsoPartialDate(const dyad::type::v1::PartialDate& d);
// {X, X_precision, X_start, X_end}: text, "year"/"month"/"day", first and
// last day (YYYY-MM-DD); all "" when the date is unset.
std::vector<std::string> DateColumns(const dyad::type::v1::PartialDate* d);
// {Q, Q_unit, Q_qualifier, Q_upper, Q_precision, Q_as_written, Q_low,
// Q_high}; Q_low/Q_high are the interval the figure stands for
// (quantity.proto's rule), empty when unbounded. All "" when unset.
std::vector<std::string> QuantityColumns(const dyad::type::v1::Quantity* q);
// Shortest text that reads back as the same double ("2200000000", "0.1").
std::string FormatDouble(double v);

// One CSV record (RFC 4180: fields with a comma, quote, CR or LF are quoted,
// quotes doubled), ending in "\n".
std::string CsvLine(const std::vector<std::string>& fields);
// One JSON Lines record: the message in proto3 JSON, on one line.
std::string JsonLine(const google::protobuf::Message& m);

}  // namespace dyad::cli
