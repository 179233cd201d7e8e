#pragma once

#include "agent/app/stages.h"
#include "agent/metrics/scraper.h"

namespace hostlens::app {

// Every source of /metrics, in the order a scrape renders them: the agent's own families and
// self-metrics, node_exporter's host collectors, per-service process metrics. A new collector
// is one line in AddCollectors(). `stages` must outlive `scraper`.
void AddCollectors(metrics::Scraper& scraper, Stages& stages);

}  // namespace hostlens::app
