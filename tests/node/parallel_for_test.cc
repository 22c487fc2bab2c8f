#include "node/common/parallel_for.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cairn {
namespace {

// Runs a loop of `count` and returns how often each index was visited.
std::vector<int> Visits(ParallelFor& parallel, int count, int min_parallel) {
  std::vector<std::atomic<int>> visits(count);
  parallel.Run(count, min_parallel, [&](int begin, int end) {
    for (int i = begin; i < end; ++i) ++visits[i];
  });
  return std::vector<int>(visits.begin(), visits.end());
}

TEST(ParallelForTest, EveryIndexIsVisitedOnce) {
  ParallelFor parallel(2);
  for (int count : {0, 1, 2, 3, 7, 64, 1000}) {
    for (int round = 0; round < 20; ++round) {
      EXPECT_EQ(Visits(parallel, count, 1), std::vector<int>(count, 1)) << "count " << count;
    }
  }
}

TEST(ParallelForTest, HelpersShareTheWorkAboveTheThreshold) {
  ParallelFor parallel(1);
  std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> on_helpers = 0;
  parallel.Run(100, 10, [&](int begin, int end) {
    if (std::this_thread::get_id() != caller) on_helpers += end - begin;
  });
  EXPECT_EQ(on_helpers, 50);
  on_helpers = 0;
  parallel.Run(9, 10, [&](int begin, int end) {
    if (std::this_thread::get_id() != caller) on_helpers += end - begin;
  });
  EXPECT_EQ(on_helpers, 0) << "below the threshold the caller does it all";
}

TEST(ParallelForTest, LoopsFromSeveralThreadsAllComplete) {
  ParallelFor parallel(1);
  std::vector<std::thread> callers;
  std::atomic<int> failures = 0;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 200; ++round) {
        if (Visits(parallel, 100, 1) != std::vector<int>(100, 1)) ++failures;
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_EQ(failures, 0);
}

TEST(ParallelForTest, WithoutHelpersTheCallerDoesItAll) {
  ParallelFor parallel(0);
  EXPECT_EQ(Visits(parallel, 50, 1), std::vector<int>(50, 1));
}

}  // namespace
}  // namespace cairn
