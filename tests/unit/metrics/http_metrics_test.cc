#include "agent/metrics/http_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/text_serializer.h>

namespace hostlens::metrics {
namespace {

class HttpMetricsTest : public ::testing::Test {
 protected:
  static RouteTemplater Routes() {
    std::string error;
    return *RouteTemplater::Create({{"/api/users/{id}/"}, {"^/healthz$"}}, &error);
  }
  std::string Text() { return prometheus::TextSerializer().Serialize(registry_.Collect()); }
  bool Has(const std::string& line) { return Text().find(line) != std::string::npos; }

  prometheus::Registry registry_;
};

TEST_F(HttpMetricsTest, ServerRequestsAreLabelledByTemplatedRouteAndKnownMethod) {
  HttpMetrics http(registry_, Routes(), {});
  http.RecordServer("api", "GET", "/api/users/42/?token=secret", 200, 0.003);
  http.RecordServer("api", "GET", "/orders/7", 404, 0.001);
  http.RecordServer("api", "BREW", "/pot", 418, 0.001);
  http.RecordServer("api", "GET", "/healthz", 200, 0.001);  // excluded: not recorded
  EXPECT_TRUE(Has("http_server_request_duration_seconds_count{http_request_method=\"GET\","
                  "http_response_status_code=\"200\",http_route=\"/api/users/{id}/\","
                  "service_name=\"api\"} 1"));
  EXPECT_TRUE(Has("http_route=\"/orders/{id}\""));
  EXPECT_TRUE(Has("http_request_method=\"_OTHER\""));
  EXPECT_FALSE(Has("healthz"));
  EXPECT_FALSE(Has("secret"));
  // The observation went to the 0.005 bucket and above, not below.
  EXPECT_TRUE(Has("http_route=\"/api/users/{id}/\",service_name=\"api\",le=\"0.0025\"} 0"));
  EXPECT_TRUE(Has("http_route=\"/api/users/{id}/\",service_name=\"api\",le=\"0.005\"} 1"));
}

TEST_F(HttpMetricsTest, RoutesBeyondTheCapAreOtherAndCounted) {
  HttpMetrics http(registry_, Routes(), {/*routes_per_service=*/2, 500});
  http.RecordServer("api", "GET", "/a", 200, 0.001);
  http.RecordServer("api", "GET", "/b", 200, 0.001);
  http.RecordServer("api", "GET", "/c", 200, 0.001);
  http.RecordServer("api", "GET", "/d", 200, 0.001);
  http.RecordServer("web", "GET", "/c", 200, 0.001);  // another service has its own cap
  EXPECT_TRUE(Has("http_route=\"__other__\",service_name=\"api\"} 2"));
  EXPECT_TRUE(Has("http_route=\"/c\",service_name=\"web\"} 1"));
  EXPECT_EQ(http.route_limiter().limited(), 2u);
}

TEST_F(HttpMetricsTest, WebsocketGaugeAndAcceptsUseTheirOwnFamilies) {
  HttpMetrics http(registry_, Routes(), {});
  http.WebsocketOpened("chat", "/ws/room/12");
  http.WebsocketOpened("chat", "/ws/room/13");
  http.WebsocketClosed("chat", "/ws/room/12");
  EXPECT_TRUE(Has("http_server_open_websockets{http_route=\"/ws/room/{id}\",service_name=\"chat\"} 1"));
  http.RecordAccept("api", 8000, 0.3);
  http.RecordAccept("api", 8000, std::nullopt);  // handshake before the agent: counted, no wait
  EXPECT_TRUE(Has("tcp_accepts_total{server_port=\"8000\",service_name=\"api\"} 2"));
  EXPECT_TRUE(Has("tcp_accept_wait_seconds_count{server_port=\"8000\",service_name=\"api\"} 1"));
}

TEST_F(HttpMetricsTest, ClientRequestsAreLabelledByServerAddress) {
  HttpMetrics http(registry_, Routes(), {});
  http.RecordClient("worker", "POST", "10.0.0.5:443", 201, 0.02);
  EXPECT_TRUE(Has("http_client_request_duration_seconds_count{http_request_method=\"POST\","
                  "http_response_status_code=\"201\",server_address=\"10.0.0.5:443\","
                  "service_name=\"worker\"} 1"));
}

TEST_F(HttpMetricsTest, RecordServerReturnsTheRouteLabelUsed) {
  HttpMetrics http(registry_, Routes(), {/*routes_per_service=*/1, 500});
  const std::string* route = http.RecordServer("api", "GET", "/api/users/42/", 200, 0.001);
  ASSERT_NE(route, nullptr);
  EXPECT_EQ(*route, "/api/users/{id}/");
  // The same label, at the same address, for every request of the route.
  EXPECT_EQ(http.RecordServer("api", "GET", "/api/users/7/", 200, 0.001), route);
  const std::string* other = http.RecordServer("api", "GET", "/orders/7", 200, 0.001);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(*other, "__other__");  // past the cap
  EXPECT_EQ(http.RecordServer("api", "GET", "/healthz", 200, 0.001), nullptr);  // excluded
}

TEST_F(HttpMetricsTest, QueriesPerRequestIsAHistogramPerRoute) {
  HttpMetrics http(registry_, Routes(), {});
  http.RecordQueriesPerRequest("api", "/orders/{id}", 0);
  http.RecordQueriesPerRequest("api", "/orders/{id}", 3);
  http.RecordQueriesPerRequest("api", "/orders/{id}", 40);
  EXPECT_TRUE(Has("http_server_db_queries_per_request_count{http_route=\"/orders/{id}\","
                  "service_name=\"api\"} 3"))
      << Text();
  EXPECT_TRUE(Has("http_server_db_queries_per_request_sum{http_route=\"/orders/{id}\","
                  "service_name=\"api\"} 43"));
  EXPECT_TRUE(Has("http_route=\"/orders/{id}\",service_name=\"api\",le=\"0\"} 1"));
  EXPECT_TRUE(Has("http_route=\"/orders/{id}\",service_name=\"api\",le=\"3\"} 2"));
  EXPECT_TRUE(Has("http_route=\"/orders/{id}\",service_name=\"api\",le=\"20\"} 2"));
  EXPECT_TRUE(Has("http_route=\"/orders/{id}\",service_name=\"api\",le=\"50\"} 3"));
}

}  // namespace
}  // namespace hostlens::metrics
