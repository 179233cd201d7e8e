#pragma once

#include "agent/app/event_loop.h"
#include "agent/app/readiness.h"
#include "agent/app/stages.h"
#include "agent/metrics/scraper.h"
#include "agent/server/http_server.h"

namespace hostlens::app {

// What each endpoint reads.
struct EndpointSources {
  Stages& stages;
  const metrics::Scraper& scraper;
  const EventLoop& loop;
  const Readiness& readiness;
};

// The handlers of /metrics, /healthz, /readyz and the JSON APIs; a new endpoint is one line in
// MakeEndpoints() (and its path in server/http_server.cc). Everything in `sources` must outlive
// the server.
server::Endpoints MakeEndpoints(const EndpointSources& sources);

}  // namespace hostlens::app
