#include "answer_kit.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/status.h"
#include "common/validation.h"

namespace dyad::gateway {

namespace ev = dyad::events::v1;
namespace gw = dyad::gateway::v1;

absl::Status ValidateDyad(const google::protobuf::RepeatedPtrField<std::string>& countries,
                          int min) {
  if (countries.size() < min) {
    return InvalidField("countries", absl::StrCat("at least ", min,
                                                  " ISO 3166-1 alpha-3 codes are required"));
  }
  return ValidateCountries(countries, "countries");
}

absl::Status ValidateYear(int year, const char* field) {
  if (year < 1 || year > 9999) {
    return InvalidField(field, absl::StrCat("must be 1..9999, got ", year));
  }
  return absl::OkStatus();
}

// Origin_IsValid: proto3 enums are open, so a client can send any number.
absl::Status ValidateOrigin(dyad::type::v1::Origin origin) {
  if (!dyad::type::v1::Origin_IsValid(origin)) {
    return InvalidField("origin", absl::StrCat("unknown value ", static_cast<int>(origin),
                                               "; ORIGIN_CURATED, ORIGIN_MACHINE_CODED, or unset "
                                               "for both"));
  }
  return absl::OkStatus();
}

// "GEO–TUR", for answers in words.
std::string DyadLabel(const std::vector<std::string>& countries) {
  return absl::StrJoin(countries, "–");
}

// The event counts of one country or a dyad (both directions) by month,
// for an intensity series; nullopt for three or more distinct countries,
// which CountEvents does not count. A country named twice counts once (as
// ListEvents reads it; CountEvents refuses a repeated one).
std::optional<ev::CountEventsRequest> IntensityRequest(const Countries& countries,
                                                       dyad::type::v1::Origin origin) {
  std::vector<std::string> distinct;
  for (const auto& c : countries) {
    if (std::find(distinct.begin(), distinct.end(), c) == distinct.end()) distinct.push_back(c);
  }
  if (distinct.empty() || distinct.size() > 2) return std::nullopt;
  ev::CountEventsRequest q;
  for (const auto& c : distinct) q.add_countries(c);
  q.set_direction(ev::DIRECTION_BOTH);
  q.set_granularity(ev::GRANULARITY_MONTH);
  q.set_origin(origin);
  return q;
}

dyad::type::v1::DateRange Years(int from, int to) {
  dyad::type::v1::DateRange r;
  r.mutable_start()->set_year(from);
  r.mutable_end()->set_year(to);
  return r;
}

// Adds the three parts (always in the same order), logs failed ones with
// the call's trace id and counts them (metrics.h: partial answers).
void AddParts(const AnswerCall& call, const char* method, const grpc::Status& events,
              const grpc::Status& economics, const grpc::Status& institutions,
              google::protobuf::RepeatedPtrField<gw::Part>* parts) {
  bool partial = false;
  for (const auto& [name, status] : {std::pair{kEventsPart, &events},
                                     std::pair{kEconomicsPart, &economics},
                                     std::pair{kInstitutionsPart, &institutions}}) {
    *parts->Add() = PartOf(name, *status);
    if (status->ok()) continue;
    partial = true;
    metrics::PartError(method, name, status->error_code());
    if (status->error_code() != grpc::StatusCode::CANCELLED) {
      Log().warn("partial answer method={} part={} code={} message={} trace_id={}", method, name,
                 std::string(GrpcCodeName(status->error_code())), LogValue(status->error_message()),
                 call.group()->trace_id());
    }
  }
  if (partial) metrics::PartialAnswer(method);
}


}  // namespace dyad::gateway
