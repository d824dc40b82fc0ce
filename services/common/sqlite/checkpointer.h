// WAL checkpoints on a thread of their own (after the pattern sqlite's WAL
// documentation suggests for busy writers).
//
//   auto ckpt = sql::BackgroundCheckpointer::Start(db.get());
//
// By default sqlite checkpoints inside the COMMIT that takes the WAL past
// 1,000 pages: the committing thread copies every page of the WAL into the
// database file and syncs it. A bulk import on a dyad-ordered index dirties
// thousands of pages per transaction, so that was a checkpoint (and two
// syncs) in nearly every commit, on the importing thread. Here the writer's
// automatic checkpoints are off and a second connection checkpoints
// (PASSIVE: never blocking the writer) once the WAL holds `frames` pages;
// pages rewritten by several transactions meanwhile are copied once. Should
// the thread fall behind until the WAL holds `max_frames` pages, the writer
// checkpoints in its commit as before, so the WAL stays bounded.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"

struct sqlite3;

namespace dyad::sql {

class Database;

class BackgroundCheckpointer {
 public:
  // `writer` is a file database in WAL mode and must outlive the result.
  // Opens the second connection; errors name the path.
  static absl::StatusOr<std::unique_ptr<BackgroundCheckpointer>> Start(Database* writer,
                                                                       int frames = 4096,
                                                                       int max_frames = 65536);
  // Stops the thread (after the checkpoint it may be running) and gives the
  // writer its automatic checkpoints back.
  ~BackgroundCheckpointer();

  BackgroundCheckpointer(const BackgroundCheckpointer&) = delete;
  BackgroundCheckpointer& operator=(const BackgroundCheckpointer&) = delete;

  // Checkpoints run so far (for tests).
  int checkpoints() const;

 private:
  BackgroundCheckpointer(Database* writer, std::unique_ptr<Database> own, int frames,
                         int max_frames);
  static int OnCommit(void* self, sqlite3* db, const char* schema, int frames);
  void Run();

  Database* writer_;
  std::unique_ptr<Database> own_;
  const int frames_;
  const int max_frames_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool pending_ = false;
  bool stop_ = false;
  int checkpoints_ = 0;
  std::thread thread_;
};

}  // namespace dyad::sql
