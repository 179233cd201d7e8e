#include "agent/metrics/series_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <vector>

// Counts allocations so a test can prove that admitting a known value does not allocate. The
// replacement only forwards to malloc/free, so the other tests of this binary are unaffected.
namespace {
std::atomic<uint64_t> allocations{0};
}  // namespace

void* operator new(size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }

namespace hostlens::metrics {
namespace {

TEST(SeriesLimiter, AdmitsUpToTheLimitThenRedirectsToOverflowAndCounts) {
  SeriesLimiter limiter("http_server_request_duration_seconds", 2);
  EXPECT_EQ(limiter.Admit("shop", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("shop", "/b"), "/b");
  EXPECT_EQ(limiter.limited(), 0u);
  EXPECT_EQ(limiter.Admit("shop", "/c"), "__other__");
  EXPECT_EQ(limiter.limited(), 1u);
  EXPECT_EQ(limiter.Admit("shop", "/d"), "__other__");
  EXPECT_EQ(limiter.Admit("shop", "/c"), "__other__");  // every redirected call counts
  EXPECT_EQ(limiter.limited(), 3u);
  EXPECT_EQ(limiter.admitted("shop"), 2u);
}

TEST(SeriesLimiter, AdmittedValuesStayAdmittedAfterTheLimit) {
  SeriesLimiter limiter("f", 1);
  EXPECT_EQ(limiter.Admit("s", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("s", "/b"), "__other__");
  EXPECT_EQ(limiter.Admit("s", "/a"), "/a");
  EXPECT_EQ(limiter.limited(), 1u);
}

TEST(SeriesLimiter, SameValueAdmittedTwiceCountsOnce) {
  SeriesLimiter limiter("f", 2);
  EXPECT_EQ(limiter.Admit("s", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("s", "/a"), "/a");
  EXPECT_EQ(limiter.admitted("s"), 1u);
  EXPECT_EQ(limiter.Admit("s", "/b"), "/b");
  EXPECT_EQ(limiter.limited(), 0u);
}

TEST(SeriesLimiter, ScopesAreIndependent) {
  SeriesLimiter limiter("f", 1);
  EXPECT_EQ(limiter.Admit("shop", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("billing", "/b"), "/b");
  EXPECT_EQ(limiter.Admit("shop", "/b"), "__other__");
  EXPECT_EQ(limiter.Admit("billing", "/a"), "__other__");
  EXPECT_EQ(limiter.admitted("shop"), 1u);
  EXPECT_EQ(limiter.admitted("billing"), 1u);
  EXPECT_EQ(limiter.admitted("unknown"), 0u);
  EXPECT_EQ(limiter.limited(), 2u);
}

TEST(SeriesLimiter, ScopesPastTheirCapOverflowAndCount) {
  SeriesLimiter limiter("f", 10, "__other__", /*max_scopes=*/2);
  EXPECT_EQ(limiter.Admit("s1", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("s2", "/a"), "/a");
  EXPECT_EQ(limiter.Admit("s3", "/a"), "__other__");
  EXPECT_EQ(limiter.Admit("s3", "/a"), "__other__");
  EXPECT_EQ(limiter.limited(), 2u);
  EXPECT_EQ(limiter.admitted("s3"), 0u);
  EXPECT_EQ(limiter.Admit("s1", "/b"), "/b");  // known scopes go on admitting
}

TEST(SeriesLimiter, CustomOverflowValueAndFamily) {
  SeriesLimiter limiter("db_client_operation_duration_seconds", 0, "_overflow_");
  EXPECT_EQ(limiter.family(), "db_client_operation_duration_seconds");
  EXPECT_EQ(limiter.limit(), 0u);
  EXPECT_EQ(limiter.Admit("s", "users"), "_overflow_");
  EXPECT_EQ(limiter.limited(), 1u);
}

TEST(SeriesLimiter, ReturnedReferencesSurviveRehashing) {
  SeriesLimiter limiter("f", 100000);
  const std::string& first = limiter.Admit("s", "/first");
  for (int i = 0; i < 10000; ++i) limiter.Admit("s", "/" + std::to_string(i));
  for (int i = 0; i < 10000; ++i) limiter.Admit("scope" + std::to_string(i % 5000), "/x");
  EXPECT_EQ(first, "/first");
  EXPECT_EQ(&limiter.Admit("s", "/first"), &first);
}

TEST(SeriesLimiter, AdmittingAKnownValueDoesNotAllocate) {
  SeriesLimiter limiter("f", 2);
  const std::string value = "/api/users/{id}/orders/{id}/items";  // past the small-string buffer
  const std::string scope = "a-service-name-longer-than-sso";
  limiter.Admit(scope, value);
  limiter.Admit(scope, "/b");
  limiter.Admit(scope, "/c");  // overflowing does not allocate either
  const uint64_t before = allocations.load();
  for (int i = 0; i < 1000; ++i) {
    limiter.Admit(scope, value);
    limiter.Admit(scope, "/c");
  }
  EXPECT_EQ(allocations.load(), before);
}

TEST(SeriesLimiter, ConcurrentAdmitsAdmitExactlyTheLimit) {
  SeriesLimiter limiter("f", 100);
  constexpr int kThreads = 4;
  constexpr int kValuesPerThread = 5000;
  std::vector<std::thread> threads;
  std::atomic<uint64_t> read_while_admitting{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&limiter, &read_while_admitting, t] {
      for (int i = 0; i < kValuesPerThread; ++i) {
        limiter.Admit("s", std::to_string(t) + "/" + std::to_string(i));
        read_while_admitting.store(limiter.limited(), std::memory_order_relaxed);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(limiter.admitted("s"), 100u);
  EXPECT_EQ(limiter.limited(), uint64_t{kThreads} * kValuesPerThread - 100);
}

}  // namespace
}  // namespace hostlens::metrics
