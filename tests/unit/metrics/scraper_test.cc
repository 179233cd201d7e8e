#include "agent/metrics/scraper.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "agent/metrics/metric_families.h"
#include "agent/metrics/self_metrics.h"

#include <prometheus/text_serializer.h>

namespace hostlens::metrics {
namespace {

TEST(Scraper, OneFailingCollectorDoesNotFailTheScrape) {
  Scraper scraper;
  scraper.Add({"good", [](bool*) {
                 std::vector<prometheus::MetricFamily> out;
                 out.push_back(MakeFamily("x_total", "x", prometheus::MetricType::Counter));
                 AddSample(&out.back(), {{"a", "b"}}, 3);
                 return out;
               }});
  scraper.Add({"throws", [](bool*) -> std::vector<prometheus::MetricFamily> {
                 throw std::runtime_error("boom");
               }});
  scraper.Add({"reports", [](bool* ok) {
                 *ok = false;
                 return std::vector<prometheus::MetricFamily>{};
               }});
  const std::string text = scraper.Render();
  EXPECT_NE(text.find("x_total{a=\"b\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("hostlens_scrape_collector_success{collector=\"good\"} 1"), std::string::npos);
  EXPECT_NE(text.find("hostlens_scrape_collector_success{collector=\"throws\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hostlens_scrape_collector_success{collector=\"reports\"} 0"),
            std::string::npos);
}

TEST(SelfMetrics, EveryLossReasonIsExportedEvenAtZero) {
  prometheus::Registry registry;
  EventCounters counters(registry);
  counters.CountEvent(HL_EV_PROC_FORK);
  counters.CountEvent(HL_EV_PROC_FORK);
  counters.CountEvent(9999);  // unknown kinds are ignored, not a crash
  EXPECT_EQ(counters.events(HL_EV_PROC_FORK), 2u);

  SelfMetricsInput in;
  in.version = "1.2.3";
  in.losses.map_full = 4;
  in.tracked_processes = 7;
  auto families = CollectSelfMetrics(in);
  auto text = prometheus::TextSerializer().Serialize(families);
  EXPECT_NE(text.find("hostlens_build_info{version=\"1.2.3\"} 1"), std::string::npos);
  EXPECT_NE(text.find("hostlens_events_lost_total{reason=\"ringbuf_full\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hostlens_events_lost_total{reason=\"map_full\"} 4"), std::string::npos);
  EXPECT_NE(text.find("hostlens_events_lost_total{reason=\"parse\"} 0"), std::string::npos);
  EXPECT_NE(text.find("hostlens_tracked_processes 7"), std::string::npos);
}

TEST(SelfMetrics, KernelMapFillHasEntriesAndCapacityPerMap) {
  SelfMetricsInput in;
  EXPECT_EQ(prometheus::TextSerializer().Serialize(CollectSelfMetrics(in)).find("hostlens_bpf_map"),
            std::string::npos);  // no maps read: no families
  in.bpf_maps = {{"conns", 12, 262144}, {"tracked", 3, 65536}};
  auto text = prometheus::TextSerializer().Serialize(CollectSelfMetrics(in));
  for (const char* line : {"# TYPE hostlens_bpf_map_entries gauge",
                           "hostlens_bpf_map_entries{map=\"conns\"} 12",
                           "hostlens_bpf_map_entries{map=\"tracked\"} 3",
                           "# TYPE hostlens_bpf_map_max_entries gauge",
                           "hostlens_bpf_map_max_entries{map=\"conns\"} 262144",
                           "hostlens_bpf_map_max_entries{map=\"tracked\"} 65536"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

TEST(SelfMetrics, CacheCommandsWithoutReplyAreCountedPerSystem) {
  SelfMetricsInput in;
  in.db_commands_unanswered["redis"] = 3;
  in.db_commands_unanswered["memcached"] = 0;
  auto text = prometheus::TextSerializer().Serialize(CollectSelfMetrics(in));
  EXPECT_NE(text.find("hostlens_db_commands_unanswered_total{db_system_name=\"redis\"} 3"),
            std::string::npos);
  EXPECT_NE(text.find("hostlens_db_commands_unanswered_total{db_system_name=\"memcached\"} 0"),
            std::string::npos);
  // Not a loss: no reason of hostlens_events_lost_total counts it.
  for (const auto& [reason, count] : in.losses.ByReason()) EXPECT_EQ(count, 0u) << reason;
}

TEST(SelfMetrics, DatabaseAndFanOutLossesHaveTheirOwnReasons) {
  SelfMetricsInput in;
  in.losses.http_response_lost = 1;
  in.losses.db_request_evicted = 2;
  in.losses.db_response_unmatched = 3;
  in.losses.db_response_lost = 4;
  in.losses.db_statement_unknown = 5;
  in.losses.fanout_query_dropped = 6;
  in.losses.tls_no_socket = 7;
  in.losses.tls_start_missed = 8;
  in.losses.tls_call_unseen = 9;
  std::vector<std::string> reasons;
  for (const auto& [reason, count] : in.losses.ByReason()) reasons.push_back(reason);
  EXPECT_EQ(reasons, (std::vector<std::string>{"ringbuf_full", "map_full", "parse",
                                               "http_request_evicted", "http_response_unmatched",
                                               "http_response_lost", "db_request_evicted",
                                               "db_response_unmatched", "db_response_lost",
                                               "db_statement_unknown", "fanout_query_dropped",
                                               "tls_no_socket", "tls_start_missed",
                                               "tls_call_unseen"}));
  auto text = prometheus::TextSerializer().Serialize(CollectSelfMetrics(in));
  for (const char* line : {"hostlens_events_lost_total{reason=\"http_response_lost\"} 1",
                           "hostlens_events_lost_total{reason=\"db_request_evicted\"} 2",
                           "hostlens_events_lost_total{reason=\"db_response_unmatched\"} 3",
                           "hostlens_events_lost_total{reason=\"db_response_lost\"} 4",
                           "hostlens_events_lost_total{reason=\"db_statement_unknown\"} 5",
                           "hostlens_events_lost_total{reason=\"fanout_query_dropped\"} 6",
                           "hostlens_events_lost_total{reason=\"tls_no_socket\"} 7",
                           "hostlens_events_lost_total{reason=\"tls_start_missed\"} 8",
                           "hostlens_events_lost_total{reason=\"tls_call_unseen\"} 9"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace hostlens::metrics
