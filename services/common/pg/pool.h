// A small pool of PostgreSQL connections shared by a store's calls.
//
// At most `size` connections exist; a call leases one (waiting, until its
// deadline, for one to come back when all are out) and the lease returns it
// on destruction. Connections are made lazily, so a process starts while
// the database is away and recovers when it returns. A connection found
// broken is dropped (its slot is free again) and reported through
// `on_fault`; every successful connect or probe is reported through `on_ok`
// — the backend wires these to its StoreHealth (NOT_SERVING / SERVING).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/pg/connection.h"

namespace dyad::pg {

struct PoolOptions {
  std::string uri;
  std::string password;  // empty: libpq's own sources (PGPASSWORD, ~/.pgpass)
  int size = 4;
  absl::Duration connect_timeout = absl::Seconds(5);
  std::function<void(const absl::Status&)> on_fault;
  std::function<void()> on_ok;
};

class Pool {
 public:
  explicit Pool(PoolOptions options);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  class Lease {
   public:
    Lease(Lease&& other) noexcept : pool_(other.pool_), conn_(std::move(other.conn_)) {
      other.pool_ = nullptr;
    }
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() const { return conn_.get(); }
    Connection& operator*() const { return *conn_; }

   private:
    friend class Pool;
    Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    Pool* pool_;
    std::unique_ptr<Connection> conn_;
  };

  // A live connection, or UNAVAILABLE (cannot connect), DEADLINE_EXCEEDED
  // (none came free before the call's deadline) or CANCELLED.
  absl::StatusOr<Lease> Acquire();
  // Runs `SELECT 1`; reports the outcome like any call does.
  absl::Status Probe();

  // Runs `fn` on a leased connection. When the connection turns out lost
  // and `retry_on_loss` (the work is idempotent or never reached the
  // server), runs it once more on a fresh connection.
  absl::Status With(const std::function<absl::Status(Connection&)>& fn, bool retry_on_loss);

  int size() const { return options_.size; }
  const std::string& uri() const { return options_.uri; }

 private:
  void Return(std::unique_ptr<Connection> conn);
  void ReportFault(const absl::Status& s);

  const PoolOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // connections existing (idle, leased or being made)
};

}  // namespace dyad::pg
