// An ExportSource over a List method whose pages are keyset positions bound
// to the filters (page_token.h): each message is one List page, and its
// resume token wraps the List page token of the next page (or "finished"),
// bound to the export's own fingerprint, so a List page token is not a
// resume token nor the reverse. Used by the exports of the smaller tables
// (observations, institutions); EventService reads its pages directly
// (event_export.cc) to skip the per-page count over a million rows.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/export_source.h"
#include "common/page_token.h"

namespace dyad {

// The resume token after a List page: `next_page_token` of that page, ""
// for the end, bound to `export_fingerprint` (sort_key 1 marks the end).
inline std::string PagedResumeToken(uint64_t export_fingerprint, const std::string& next_page_token) {
  return EncodePageToken(
      PageCursor{export_fingerprint, next_page_token.empty() ? 1 : 0, next_page_token});
}

// `resume_token` decoded: the List page token to continue with, or nullopt
// when the export had finished. INVALID_ARGUMENT naming resume_token for a
// token of other filters or not a token.
inline absl::StatusOr<std::optional<std::string>> DecodePagedResumeToken(
    const std::string& resume_token, uint64_t export_fingerprint) {
  auto cursor = DecodePageToken(resume_token, export_fingerprint, "resume_token");
  if (!cursor.ok()) return cursor.status();
  if (cursor->sort_key == 1) return std::optional<std::string>();
  return std::optional<std::string>(cursor->name);
}

// ListRequest has page_size and page_token; ListResponse next_page_token and
// total_size; `move_records` moves a page's records into the message.
template <typename ListRequest, typename ListResponse, typename ExportResponse>
class PagedExport final : public ExportSource {
 public:
  using ListFn = std::function<absl::StatusOr<ListResponse>(const ListRequest&)>;
  using MoveFn = std::function<void(ListResponse&, ExportResponse*)>;

  // `list` is the List request with the filters; `resume_token` as the
  // client sent it ("" from the start).
  static absl::StatusOr<std::unique_ptr<ExportSource>> Start(ListRequest list,
                                                             uint64_t export_fingerprint,
                                                             const std::string& resume_token,
                                                             ListFn fn, MoveFn move) {
    bool finished = false;
    if (!resume_token.empty()) {
      auto next = DecodePagedResumeToken(resume_token, export_fingerprint);
      if (!next.ok()) return next.status();
      if (*next) {
        list.set_page_token(**next);
      } else {
        finished = true;
      }
    }
    auto* e = new PagedExport(std::move(list), export_fingerprint, std::move(fn), std::move(move));
    e->finished_ = finished;
    e->position_ = resume_token;
    return std::unique_ptr<ExportSource>(e);
  }

  absl::StatusOr<std::optional<std::string>> Next() override {
    if (done_) return std::optional<std::string>();
    ExportResponse out;
    if (finished_) {  // resumed after the end: one empty message, then done
      done_ = true;
      out.set_resume_token(position_);
      return std::optional<std::string>(out.SerializeAsString());
    }
    list_.set_page_size(500);
    auto page = fn_(list_);
    if (!page.ok()) return page.status();
    if (first_) {
      out.set_estimated_total(page->total_size());
      first_ = false;
    }
    move_(*page, &out);
    position_ = PagedResumeToken(fp_, page->next_page_token());
    out.set_resume_token(position_);
    done_ = page->next_page_token().empty();
    list_.set_page_token(page->next_page_token());
    return std::optional<std::string>(out.SerializeAsString());
  }

 private:
  PagedExport(ListRequest list, uint64_t fp, ListFn fn, MoveFn move)
      : list_(std::move(list)), fp_(fp), fn_(std::move(fn)), move_(std::move(move)) {}

  ListRequest list_;
  uint64_t fp_;
  ListFn fn_;
  MoveFn move_;
  std::string position_;
  bool first_ = true;
  bool done_ = false;
  bool finished_ = false;
};

}  // namespace dyad
