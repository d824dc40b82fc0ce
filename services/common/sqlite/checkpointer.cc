#include "common/sqlite/checkpointer.h"

#include <sqlite3.h>

#include "common/sqlite/database.h"

namespace dyad::sql {

absl::StatusOr<std::unique_ptr<BackgroundCheckpointer>> BackgroundCheckpointer::Start(
    Database* writer, int frames, int max_frames) {
  auto own = Database::Open(writer->path());
  if (!own.ok()) return own.status();
  return std::unique_ptr<BackgroundCheckpointer>(
      new BackgroundCheckpointer(writer, std::move(*own), frames, max_frames));
}

BackgroundCheckpointer::BackgroundCheckpointer(Database* writer, std::unique_ptr<Database> own,
                                               int frames, int max_frames)
    : writer_(writer), own_(std::move(own)), frames_(frames), max_frames_(max_frames) {
  thread_ = std::thread([this] { Run(); });
  // Replaces the writer's automatic checkpoint (itself a WAL hook).
  sqlite3_wal_hook(writer_->raw(), &BackgroundCheckpointer::OnCommit, this);
}

BackgroundCheckpointer::~BackgroundCheckpointer() {
  sqlite3_wal_autocheckpoint(writer_->raw(), 1000);  // sqlite's default, and our hook is gone
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int BackgroundCheckpointer::checkpoints() const {
  std::lock_guard<std::mutex> lock(mu_);
  return checkpoints_;
}

// Called by sqlite on the writer's thread after each commit, with the
// number of pages in the WAL.
int BackgroundCheckpointer::OnCommit(void* arg, sqlite3* db, const char* schema, int frames) {
  auto* self = static_cast<BackgroundCheckpointer*>(arg);
  if (frames >= self->max_frames_) {
    // Behind: checkpoint here, as sqlite would have. Its result is the
    // commit's only if it is an error worth reporting (BUSY is not).
    const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return rc == SQLITE_BUSY ? SQLITE_OK : rc;
  }
  if (frames >= self->frames_) {
    {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->pending_ = true;
    }
    self->wake_.notify_one();
  }
  return SQLITE_OK;
}

void BackgroundCheckpointer::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return pending_ || stop_; });
      if (stop_) return;
      pending_ = false;
    }
    // A failure (BUSY: another checkpoint; I/O: reported through the
    // storage fault listener) leaves the pages in the WAL for the next one.
    (void)sqlite3_wal_checkpoint_v2(own_->raw(), "main", SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                    nullptr);
    std::lock_guard<std::mutex> lock(mu_);
    ++checkpoints_;
  }
}

}  // namespace dyad::sql
