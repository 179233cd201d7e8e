#pragma once
// One gzip member inflated with zlib, for the tests of /metrics' gzip: "" if `data` is not one.

#include <zlib.h>

#include <string>

namespace hostlens::server {

inline std::string Gunzip(const std::string& data) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) return "";
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[4096];
  int result = Z_OK;
  while (result == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buf);
    stream.avail_out = sizeof(buf);
    result = inflate(&stream, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - stream.avail_out);
  }
  inflateEnd(&stream);
  return result == Z_STREAM_END ? out : "";
}

}  // namespace hostlens::server
