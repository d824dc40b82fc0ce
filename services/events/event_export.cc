// EventService.ExportEvents, the domain side: the ListEvents query read
// page by page through the store's keyset pagination (so it behaves the
// same on SQLite and PostgreSQL), one page per streamed message.
#include "absl/strings/str_cat.h"
#include "common/partial_date.h"
#include "event_core.h"

namespace dyad::events {

using dyad::events::v1::Event;
using dyad::events::v1::ExportEventsRequest;
using dyad::events::v1::ExportEventsResponse;
using dyad::events::v1::ListEventsRequest;

namespace {

// Events per message: about 0.8 MB of GDELT-shaped events, well below the
// 4 MiB a client accepts by default.
constexpr int kExportBatch = 1000;

// Resume tokens are page tokens bound to the export's own fingerprint, so a
// ListEvents page token is not a resume token (nor the reverse).
uint64_t ExportFingerprint(uint64_t list_fingerprint) {
  return Fingerprint(absl::StrCat("ExportEvents|", list_fingerprint));
}

}  // namespace

class EventCore::Export final : public ExportSource {
 public:
  Export(EventCore* core, ListEventsRequest list, std::optional<PageCursor> after)
      : core_(core), list_(std::move(list)) {
    list_fp_ = FilterFingerprint(list_);
    export_fp_ = ExportFingerprint(list_fp_);
    if (after) {
      after->filter_fingerprint = export_fp_;
      position_ = EncodePageToken(*after);
      after->filter_fingerprint = list_fp_;
      list_.set_page_token(EncodePageToken(*after));
    }
  }

  absl::StatusOr<std::optional<std::string>> Next() override {
    if (done_) return std::optional<std::string>();
    QueryOptions options;
    options.count_total = first_;
    options.limit = kExportBatch;
    auto bytes = core_->QueryEvents(list_, options);
    if (!bytes.ok()) return bytes.status();
    auto page = std::make_unique<dyad::events::v1::ListEventsResponse>();
    if (!page->ParseFromString(*bytes)) return absl::InternalError("cannot decode a listed page");
    ExportEventsResponse out;
    if (first_) {
      // The total counts every match, not only those after a resume position.
      out.set_estimated_total(page->total_size());
      first_ = false;
    }
    if (page->events_size() > 0) {
      const Event& last = page->events(page->events_size() - 1);
      position_ = EncodePageToken(PageCursor{export_fp_, SortKey(last.date()), last.name()});
    }
    done_ = page->next_page_token().empty();
    list_.set_page_token(page->next_page_token());
    out.mutable_events()->Swap(page->mutable_events());
    out.set_resume_token(position_);
    return std::optional<std::string>(out.SerializeAsString());
  }

 private:
  EventCore* core_;
  ListEventsRequest list_;  // the filters, and the page token of the next page
  uint64_t list_fp_ = 0;
  uint64_t export_fp_ = 0;
  std::string position_;  // resume token after the last event sent
  bool first_ = true;
  bool done_ = false;
};

absl::StatusOr<std::unique_ptr<ExportSource>> EventCore::ExportEvents(
    const ExportEventsRequest& req) {
  ListEventsRequest list;
  *list.mutable_countries() = req.countries();
  if (req.has_period()) *list.mutable_period() = req.period();
  *list.mutable_kinds() = req.kinds();
  *list.mutable_domains() = req.domains();
  list.set_query(req.query());
  list.set_origin(req.origin());
  std::optional<PageCursor> after;
  if (!req.resume_token().empty()) {
    auto cursor = DecodePageToken(req.resume_token(),
                                  ExportFingerprint(FilterFingerprint(list)), "resume_token");
    if (!cursor.ok()) return cursor.status();
    after = *cursor;
  }
  return std::unique_ptr<ExportSource>(new Export(this, std::move(list), std::move(after)));
}

}  // namespace dyad::events
