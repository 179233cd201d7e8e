#pragma once
// gzip for /metrics: Prometheus asks with "Accept-Encoding: gzip" and node_exporter answers
// compressed; a scrape of thousands of series shrinks about tenfold. zlib does the work.

#include <optional>
#include <string>
#include <string_view>

namespace hostlens::server {

// Whether an Accept-Encoding header value accepts gzip (RFC 9110 12.5.3): "gzip" or "x-gzip" or
// "*" with a q-value above 0, case-insensitive, whitespace-tolerant. Null: no header (identity).
bool AcceptsGzip(const char* accept_encoding);

// `data` as one gzip member (zlib's deflate with a gzip wrapper, default level); nullopt only if
// zlib fails (out of memory).
std::optional<std::string> Gzip(std::string_view data);

}  // namespace hostlens::server
