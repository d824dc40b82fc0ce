// Plugin record loading is idempotent, upgrades replace, removals delete,
// and API records survive all of it and restarts.
#include <unistd.h>

#include "event_store.h"
#include "testing/status_matchers.h"

namespace dyad::events {
namespace {

using dyad::events::v1::Event;

Event MakeEvent(const std::string& name, int year) {
  Event e;
  e.set_name(name);
  e.set_kind("k");
  e.set_domain("d");
  e.set_title(name);
  e.mutable_date()->set_year(year);
  e.add_countries("AZE");
  e.add_countries("CHN");
  return e;
}

int64_t Count(EventStore& store) {
  EventQuery q;
  q.limit = 1;
  auto page = store.List(q);
  return page.ok() ? page->total_size : -1;
}

class EventStoreTest : public ::testing::Test {
 protected:
  std::string path_ = ::testing::TempDir() + "/events_store_test_" + std::to_string(getpid()) + ".db";
  void TearDown() override {
    for (const char* suffix : {"", "-wal", "-shm"}) unlink((path_ + suffix).c_str());
  }
};

TEST_F(EventStoreTest, PluginSyncIsIdempotentAndUpgradesReplace) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  std::vector<Event> v1 = {MakeEvent("events/a", 2000), MakeEvent("events/b", 2001)};
  ASSERT_OK_AND_ASSIGN(auto o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kLoaded);
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "1", "fp1", v1));
  EXPECT_EQ(o, SyncOutcome::kUnchanged);
  ASSERT_OK(store->Insert(MakeEvent("events/api", 2002)));
  std::vector<Event> v2 = {MakeEvent("events/c", 2003)};
  ASSERT_OK_AND_ASSIGN(o, store->SyncPlugin("p", "2", "fp2", v2));
  EXPECT_EQ(o, SyncOutcome::kReplaced);
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "events/a");
  EXPECT_OK(store->Get("events/c"));
  EXPECT_OK(store->Get("events/api"));
  EXPECT_EQ(Count(*store), 2);
}

TEST_F(EventStoreTest, ApiRecordsSurviveRestartAndPluginRemoval) {
  {
    ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
    ASSERT_OK(store->SyncPlugin("p", "1", "fp", {MakeEvent("events/a", 2000)}));
    ASSERT_OK(store->Insert(MakeEvent("events/api", 2002)));
  }
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  EXPECT_OK(store->Get("events/api"));
  EXPECT_OK(store->Get("events/a"));
  ASSERT_OK_AND_ASSIGN(auto removed, store->RemovePluginsExcept({}));
  EXPECT_EQ(removed, std::vector<std::string>{"p"});
  EXPECT_STATUS(store->Get("events/a"), absl::StatusCode::kNotFound, "");
  EXPECT_OK(store->Get("events/api"));
}

TEST_F(EventStoreTest, PluginRecordCollidingWithApiRecordFailsClearly) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(path_));
  ASSERT_OK(store->Insert(MakeEvent("events/a", 2002)));
  EXPECT_STATUS(store->SyncPlugin("p", "1", "fp", {MakeEvent("events/a", 2000)}),
                absl::StatusCode::kFailedPrecondition, "events/a is already taken");
  // The failed sync changed nothing.
  EXPECT_EQ(Count(*store), 1);
}

TEST_F(EventStoreTest, DuplicateInsertIsAlreadyExists) {
  ASSERT_OK_AND_ASSIGN(auto store, OpenSqliteEventStore(":memory:"));
  ASSERT_OK(store->Insert(MakeEvent("events/a", 2002)));
  EXPECT_STATUS(store->Insert(MakeEvent("events/a", 2003)), absl::StatusCode::kAlreadyExists,
                "events/a");
}

}  // namespace
}  // namespace dyad::events
