#include "base/work_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace sealpost {
namespace {

TEST(WorkQueueTest, RunsEveryJobOnItsOwnThreads) {
  std::atomic<int> sum{0};
  std::atomic<int> on_caller{0};
  const std::thread::id caller = std::this_thread::get_id();
  {
    WorkQueue<int> q(3, [&](int n) {
      sum += n;
      on_caller += std::this_thread::get_id() == caller;
    });
    for (int i = 1; i <= 100; ++i) EXPECT_FALSE(q.Push(i).has_value());
    // Let the threads drain the queue before it stops.
    for (int i = 0; i < 500 && sum < 5050; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  EXPECT_EQ(sum, 5050);
  EXPECT_EQ(on_caller, 0);
}

TEST(WorkQueueTest, StopHandsBackWaitingJobsAndRefusesNewOnes) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  std::atomic<int> ran{0};
  WorkQueue<int> q(1, [&](int n) {
    if (n == 1) {
      started.set_value();
      released.wait();  // the only thread is busy with job 1
    }
    ++ran;
  });
  ASSERT_FALSE(q.Push(1).has_value());
  started.get_future().wait();
  ASSERT_FALSE(q.Push(2).has_value());
  ASSERT_FALSE(q.Push(3).has_value());
  std::deque<int> left = q.Stop();
  EXPECT_EQ(left, (std::deque<int>{2, 3}));
  std::optional<int> refused = q.Push(4);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(*refused, 4);
  // The running job finishes; Join waits for it.
  release.set_value();
  q.Join();
  EXPECT_EQ(ran, 1);
}

}  // namespace
}  // namespace sealpost
