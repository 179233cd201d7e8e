// An uninstrumented gunicorn + Django app (tests/apps, Debian's packages),
// started and warmed up before the agent, with a keep-alive connection that
// is older than the agent: per (method, route, status) counts must equal what
// the test's client sent.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness.h"

namespace hostlens::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr char kServerCount[] = "http_server_request_duration_seconds_count";

// Warms gunicorn up and opens a keep-alive connection, then waits for the
// file "go" (the agent is running by then) and sends a fixed, shuffled mix,
// part over that old connection and part over new ones. Writes what it got
// as lines "<method> <route> <status> <count>" to "result".
constexpr char kClient[] = R"PY(
import collections, http.client, os, random, sys, time

port, work = int(sys.argv[1]), sys.argv[2]


def fail(message):
    sys.stderr.write(message + "\n")
    sys.exit(1)


def fresh(path):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status


old = http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def on_old(path):
    old.request("GET", path)
    response = old.getresponse()
    response.read()
    if response.will_close or old.sock is None or old.sock.getsockname()[1] != old_port:
        fail("the keep-alive connection was not kept for " + path)
    return response.status


# Before the agent: warm-up on both kinds of connection.
old.connect()
old_port = old.sock.getsockname()[1]
for i in range(3):
    if on_old("/items/%d/" % (i + 1)) != 200 or fresh("/items/%d/" % (i + 100)) != 200:
        fail("warm-up failed")
open(os.path.join(work, "warm"), "w").close()

deadline = time.time() + 120
while not os.path.exists(os.path.join(work, "go")):
    if time.time() > deadline:
        fail("never told to go")
    time.sleep(0.05)

plan = []  # (route the agent should report, path, over the old connection)
for i in range(30):
    item_id = [7, 42, 100, 2024, 99999, 123456789][i % 6] + i
    plan.append(("/items/{id}/", "/items/%d/" % item_id, i % 2 == 0))
for i in range(7):
    plan.append(("/nope/", "/nope/", i < 3))
for i in range(5):
    plan.append(("/boom/", "/boom/", i < 2))
random.Random(3).shuffle(plan)

counts = collections.Counter()
for route, path, over_old in plan:
    status = on_old(path) if over_old else fresh(path)
    counts[(route, status)] += 1
old.close()

with open(os.path.join(work, "result"), "w") as out:
    for (route, status), count in sorted(counts.items()):
        out.write("GET %s %d %d\n" % (route, status, count))
)PY";

std::string Excerpt(Agent& agent) {
  return MetricsExcerpt(
      agent, {"http_server_request_duration_seconds_count", "hostlens_events_lost_total",
              "hostlens_events_total", "hostlens_tracked", "hostlens_connections_evicted_total"});
}

class HttpDjango : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = WhyBpfUnavailable(); !why.empty()) GTEST_SKIP() << why;
    port_ = FreePort();
  }
  void TearDown() override {
    if (client_) client_->KillGroup();
    if (gunicorn_) gunicorn_->KillGroup();
  }

  TempDir dir_{"django"};
  uint16_t port_ = 0;
  std::unique_ptr<Process> gunicorn_;
  std::unique_ptr<Process> client_;
};

TEST_F(HttpDjango, CountsPerRouteAndStatusEqualWhatTheClientSent) {
  gunicorn_ =
      StartPython("/usr/bin/gunicorn",
                  {"--chdir", HOSTLENS_SOURCE_DIR "/tests/apps", "-b",
                   "127.0.0.1:" + std::to_string(port_), "--worker-class", "gthread", "--threads",
                   "2", "--workers", "2", "--keep-alive", "30", "project.wsgi"});
  ASSERT_TRUE(WaitForHttpStatus(port_, "/items/1/", 200, 30s)) << gunicorn_->Stderr();
  ASSERT_EQ(HttpRequest(port_, "/nope/").status, 404);
  ASSERT_EQ(HttpRequest(port_, "/boom/").status, 500);

  const std::string& dir = dir_.path();
  std::ofstream(dir + "/client.py") << kClient;
  client_ = StartPython(dir + "/client.py", {std::to_string(port_), dir});
  ASSERT_TRUE(WaitFor([&] { return fs::exists(dir + "/warm"); }, 30s)) << client_->Stderr();

  const std::string service = ExeName(gunicorn_->pid());
  Agent agent({"--pid", std::to_string(gunicorn_->pid())});
  ASSERT_TRUE(agent.WaitReady()) << agent.process().Stderr();
  // The master and its two workers, all older than the agent.
  ASSERT_TRUE(WaitFor([&] { return agent.Metric("hostlens_tracked_processes") == 3; }))
      << Excerpt(agent) << gunicorn_->Stderr();
  EXPECT_EQ(agent.SumOf(kServerCount, {{"service_name", service}}), 0) << Excerpt(agent);

  std::ofstream(dir + "/go").close();
  ASSERT_EQ(client_->Wait(120s), 0) << client_->Stderr();

  // The client's own tally, by (method, route, status).
  std::map<std::string, double> sent;
  double total = 0;
  std::istringstream result(ReadFile(dir + "/result"));
  std::string method, route;
  int status;
  double count;
  while (result >> method >> route >> status >> count) {
    sent[method + " " + route + " " + std::to_string(status)] = count;
    total += count;
  }
  ASSERT_EQ(sent, (std::map<std::string, double>{
                      {"GET /items/{id}/ 200", 30}, {"GET /nope/ 404", 7}, {"GET /boom/ 500", 5}}));

  const auto agent_count = [&](const std::string& route, int code) {
    return agent.SumOf(kServerCount, {{"service_name", service},
                                      {"http_request_method", "GET"},
                                      {"http_route", route},
                                      {"http_response_status_code", std::to_string(code)}});
  };
  EXPECT_EQ(Settle([&] { return agent_count("/items/{id}/", 200); }, 30), 30) << Excerpt(agent);
  EXPECT_EQ(Settle([&] { return agent_count("/nope/", 404); }, 7), 7) << Excerpt(agent);
  EXPECT_EQ(Settle([&] { return agent_count("/boom/", 500); }, 5), 5) << Excerpt(agent);
  // Nothing else: not the warm-up, not a request counted twice.
  EXPECT_EQ(agent.SumOf(kServerCount, {{"service_name", service}}), total) << Excerpt(agent);
  ExpectNoEventsLost(agent, Excerpt);
}

}  // namespace
}  // namespace hostlens::testing
