// EventCore's import path: machine-coded events (GDELT, ICEWS rows mapped by
// an importer) are checked, given their kind through the plugins' CAMEO
// taxonomy and a deterministic name, and written a message at a time.
#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/page_token.h"
#include "common/partial_date.h"
#include "common/records.h"
#include "common/status.h"
#include "common/validation.h"
#include "event_core.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

constexpr int kMaxEventsPerMessage = 10000;
constexpr int kMaxRejectionsReported = 100;
constexpr size_t kMaxUpstreamId = 200;
constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxSummary = 4000;
constexpr size_t kMaxShortText = 200;
constexpr size_t kMaxUrl = 2000;

// A rejected record, named by its stream position and its dataset row.
dyad::type::v1::ImportRejection Rejection(int64_t index, const Event& e, std::string reason) {
  dyad::type::v1::ImportRejection r;
  r.set_index(index);
  for (const auto& c : e.citations()) {
    if (c.has_row()) {
      *r.mutable_row() = c.row();
      break;
    }
  }
  r.set_reason(std::move(reason));
  return r;
}

bool Finite(bool has, double v) { return !has || std::isfinite(v); }

// ValidateText, building the field's name only for an invalid text: names
// built for every record of a bulk import cost more than the checks.
template <typename FieldName>
absl::Status CheckText(absl::string_view text, size_t max_len, FieldName field) {
  absl::Status s = ValidateText(text, "", max_len);
  return s.ok() ? s : ValidateText(text, field(), max_len);
}

}  // namespace

void EventCore::IndexImportTables() {
  for (const auto& [id, k] : kinds_) {
    if (k.taxonomy() == "cameo" && !k.cameo_code().empty()) cameo_kinds_[k.cameo_code()] = &k;
  }
  if (plugins_ != nullptr) {
    for (const auto& s : plugins_->sources()) source_ids_.insert(s.id());
  }
}

absl::StatusOr<ImportedEvent> EventCore::MapImported(Event* event) const {
  Event& e = *event;
  // The dataset row: exactly one citation carries one.
  int row_citation = -1;
  for (int i = 0; i < e.citations_size(); ++i) {
    if (!e.citations(i).has_row()) continue;
    if (row_citation >= 0) {
      return InvalidField(absl::StrCat("citations[", i, "].row"),
                          "only one citation may name a dataset row");
    }
    row_citation = i;
  }
  if (row_citation < 0) {
    return InvalidField("citations", "one citation with a dataset row {source_id, row} is required");
  }
  if (e.citations_size() > 50) return InvalidField("citations", "at most 50");
  for (int i = 0; i < e.citations_size(); ++i) {
    const auto& c = e.citations(i);
    auto f = [i](const char* suffix) { return absl::StrCat("citations[", i, "]", suffix); };
    if (c.source_id().empty()) return InvalidField(f(".source_id"), "is required");
    if (!source_ids_.count(c.source_id())) {
      return InvalidField(f(".source_id"),
                          absl::StrCat("unknown source \"", c.source_id().substr(0, 64),
                                       "\"; ListSources lists the catalog"));
    }
    for (const auto* t : {&c.locator(), &c.note(), &c.row().file()}) {
      if (auto s = CheckText(*t, kMaxShortText * 5, [&] { return f(""); }); !s.ok()) return s;
    }
    if (auto s = CheckText(c.url(), kMaxUrl, [&] { return f(".url"); }); !s.ok()) return s;
  }
  const auto& row = e.citations(row_citation);
  auto rf = [&] { return absl::StrCat("citations[", row_citation, "].row.upstream_id"); };
  if (row.row().upstream_id().empty()) return InvalidField(rf(), "is required");
  if (auto s = CheckText(row.row().upstream_id(), kMaxUpstreamId, rf); !s.ok()) return s;
  if (row.row().line() < 0) {
    return InvalidField(absl::StrCat("citations[", row_citation, "].row.line"), "must not be negative");
  }
  auto* coded = e.mutable_coded();
  if (coded->dataset().empty()) coded->set_dataset(row.source_id());
  if (coded->dataset() != row.source_id()) {
    return InvalidField("coded.dataset", absl::StrCat("\"", coded->dataset().substr(0, 64),
                                                      "\" differs from the row's source \"",
                                                      row.source_id(), "\""));
  }
  // The kind, from the plugins' CAMEO taxonomy.
  if (coded->cameo_code().empty()) return InvalidField("coded.cameo_code", "is required");
  auto kind = cameo_kinds_.find(coded->cameo_code());
  if (kind == cameo_kinds_.end()) {
    return InvalidField("coded.cameo_code",
                        absl::StrCat("unknown CAMEO code \"", coded->cameo_code().substr(0, 16),
                                     "\": no loaded plugin declares a kind of taxonomy \"cameo\" "
                                     "with that cameo_code"));
  }
  const auto& k = *kind->second;
  if (coded->quad_class() < 0 || coded->quad_class() > 4) {
    return InvalidField("coded.quad_class", absl::StrCat("must be 0..4, got ", coded->quad_class()));
  }
  if (!Finite(coded->has_goldstein(), coded->goldstein()) ||
      !Finite(coded->has_avg_tone(), coded->avg_tone()) ||
      !Finite(coded->has_intensity(), coded->intensity())) {
    return InvalidField("coded", "goldstein, avg_tone and intensity must be finite numbers");
  }
  for (const auto& [field, code] : {std::pair{"coded.source_country", &coded->source_country()},
                                    std::pair{"coded.target_country", &coded->target_country()}}) {
    if (code->empty()) continue;
    if (auto s = ValidateCountry(*code, field); !s.ok()) return s;
  }
  for (const auto& [field, text] : {std::pair{"coded.source_actor", &coded->source_actor()},
                                    std::pair{"coded.target_actor", &coded->target_actor()}}) {
    if (auto s = ValidateText(*text, field, kMaxShortText); !s.ok()) return s;
  }
  // Countries: the coded sides take part.
  for (const auto* c : {&coded->source_country(), &coded->target_country()}) {
    if (c->empty()) continue;
    bool present = false;
    for (const auto& x : e.countries()) present = present || x == *c;
    if (!present) e.add_countries(*c);
  }
  // A coded event may name no country (GDELT codes many actors without
  // one): it is a valid record of the dataset, found by date, kind and text
  // but by no dyad. Curated events need at least one (CreateEvent).
  if (e.countries_size() > 50) return InvalidField("countries", "at most 50");
  if (auto s = ValidateCountries(e.countries(), "countries"); !s.ok()) return s;
  if (auto s = ValidateRequiredDate(e.date(), "date"); !s.ok()) return s;
  if (auto s = ValidatePartialDate(e.end_date(), "end_date"); !s.ok()) return s;
  if (e.end_date().year() > 0 && LastDay(e.end_date()) < FirstDay(e.date())) {
    return InvalidField("end_date", "must not be before date");
  }
  if (e.title().empty()) {
    e.set_title(absl::StrCat(k.label(),
                             coded->source_country().empty() && coded->target_country().empty()
                                 ? ""
                                 : absl::StrCat(" (", coded->source_country(), " → ",
                                                coded->target_country(), ")")));
  }
  if (auto s = ValidateText(e.title(), "title", kMaxTitle); !s.ok()) return s;
  if (auto s = ValidateText(e.summary(), "summary", kMaxSummary); !s.ok()) return s;
  if (auto s = ValidateText(e.fact(), "fact", kMaxShortText); !s.ok()) return s;
  if (e.participants_size() > 100) return InvalidField("participants", "at most 100");
  for (int i = 0; i < e.participants_size(); ++i) {
    const auto& p = e.participants(i);
    const std::string f = absl::StrCat("participants[", i, "]");
    if (auto s = ValidateText(p.name(), absl::StrCat(f, ".name"), kMaxShortText); !s.ok()) return s;
    if (auto s = ValidateText(p.role(), absl::StrCat(f, ".role"), kMaxShortText); !s.ok()) return s;
    if (!p.country().empty()) {
      if (auto s = ValidateCountry(p.country(), absl::StrCat(f, ".country")); !s.ok()) return s;
    }
  }
  if (auto s = ValidateText(e.location().name(), "location.name", kMaxShortText); !s.ok()) return s;
  if (!e.location().country().empty()) {
    if (auto s = ValidateCountry(e.location().country(), "location.country"); !s.ok()) return s;
  }
  if (e.tags_size() > 32) return InvalidField("tags", "at most 32");
  for (int i = 0; i < e.tags_size(); ++i) {
    if (auto s = ValidateText(e.tags(i), absl::StrCat("tags[", i, "]"), 64); !s.ok()) return s;
  }
  if (e.has_amount()) {
    if (!std::isfinite(e.amount().value()) || !std::isfinite(e.amount().upper())) {
      return InvalidField("amount.value", "must be a finite number");
    }
    if (e.amount().unit().empty()) return InvalidField("amount.unit", "is required with an amount");
  }
  ImportedEvent out;
  out.dataset = row.source_id();
  out.upstream_id = row.row().upstream_id();
  // Output-only fields, whatever the importer sent.
  e.set_name(absl::StrCat("events/", ImportedRecordId(out.dataset, out.upstream_id)));
  e.set_kind(k.id());
  e.set_domain(k.domain());
  e.clear_plugin();
  e.set_origin(dyad::type::v1::ORIGIN_MACHINE_CODED);
  out.event = &e;
  return out;
}

absl::StatusOr<EventCore::PreparedImport> EventCore::PrepareImport(
    std::unique_ptr<dyad::events::v1::ImportEventsRequest> request, int64_t first_index) const {
  dyad::events::v1::ImportEventsRequest& req = *request;
  if (req.events_size() > kMaxEventsPerMessage) {
    return InvalidField("events", absl::StrCat("at most ", kMaxEventsPerMessage,
                                               " per message, got ", req.events_size()));
  }
  PreparedImport out;
  out.first_index = first_index;
  out.batch.reserve(req.events_size());
  out.batch_index.reserve(req.events_size());
  // Mapped in place: the request's records become the events to store,
  // without a copy of each.
  for (int i = 0; i < req.events_size(); ++i) {
    auto mapped = MapImported(req.mutable_events(i));
    if (!mapped.ok()) {
      out.rejections.push_back(
          Rejection(first_index + i, req.events(i), std::string(mapped.status().message())));
      continue;
    }
    out.batch.push_back(*std::move(mapped));
    out.batch_index.push_back(first_index + i);
  }
  out.request = std::move(request);
  return out;
}

absl::Status EventCore::CommitImport(std::vector<PreparedImport>& group,
                                     dyad::events::v1::ImportEventsResponse* summary) {
  std::vector<ImportedEvent> all;
  size_t total = 0;
  for (const auto& p : group) total += p.batch.size();
  all.reserve(total);
  for (const auto& p : group) all.insert(all.end(), p.batch.begin(), p.batch.end());
  std::vector<ImportOutcome> outcomes;
  if (!all.empty()) {
    auto written = store_->Import(all);
    if (!written.ok()) return written.status();
    outcomes = *std::move(written);
    list_cache_.Invalidate();
  }
  int64_t received = 0, created = 0, updated = 0, unchanged = 0, rejected = 0;
  size_t next = 0;
  for (auto& p : group) {
    received += p.rows();
    for (size_t i = 0; i < p.batch.size(); ++i, ++next) {
      switch (outcomes[next]) {
        case ImportOutcome::kCreated: ++created; break;
        case ImportOutcome::kUpdated: ++updated; break;
        case ImportOutcome::kUnchanged: ++unchanged; break;
        case ImportOutcome::kNameTaken:
          p.rejections.push_back(Rejection(p.batch_index[i], *p.batch[i].event,
                                           absl::StrCat("name: \"", p.batch[i].event->name(),
                                                        "\" is already taken by another record")));
          break;
      }
    }
    std::sort(p.rejections.begin(), p.rejections.end(),
              [](const auto& a, const auto& b) { return a.index() < b.index(); });
    rejected += static_cast<int64_t>(p.rejections.size());
    for (auto& r : p.rejections) {
      if (summary->rejections_size() >= kMaxRejectionsReported) break;
      *summary->add_rejections() = std::move(r);
    }
  }
  summary->set_received(summary->received() + received);
  summary->set_created(summary->created() + created);
  summary->set_updated(summary->updated() + updated);
  summary->set_unchanged(summary->unchanged() + unchanged);
  summary->set_rejected(summary->rejected() + rejected);
  return absl::OkStatus();
}

absl::Status EventCore::ImportEvents(dyad::events::v1::ImportEventsRequest* request,
                                     int64_t* next_index,
                                     dyad::events::v1::ImportEventsResponse* summary) {
  auto owned = std::make_unique<dyad::events::v1::ImportEventsRequest>();
  owned->Swap(request);
  auto prepared = PrepareImport(std::move(owned), *next_index);
  if (!prepared.ok()) return prepared.status();
  std::vector<PreparedImport> group;
  group.push_back(*std::move(prepared));
  if (auto s = CommitImport(group, summary); !s.ok()) return s;
  *next_index += group.front().rows();
  group.front().request->Swap(request);  // the mapped records, as before
  return absl::OkStatus();
}

}  // namespace dyad::events
