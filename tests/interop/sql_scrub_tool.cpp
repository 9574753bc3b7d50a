// tests/interop/sql_scrub_tool.cpp -- scrubs statements with scrub_sql(), for check_sql_scrub.mjs
//
// Reads lines `<dialect> <hex>` from stdin: dialect `standard` or `mysql`, hex the statement's
// bytes (two lowercase hex digits a byte, empty for an empty statement). Writes one line
// `<hex>` a statement: the bytes scrub_sql() gave, into a buffer large enough that nothing is
// cut (four times the statement and 64 bytes; check_sql_scrub.mjs compares whole results).
// Hex on both sides so that any byte, newlines too, goes through unchanged.
// Exit status 0, or 2 on a line it cannot read (the line is named on stderr).

#include <sentry_trace.hpp>
// By path, as the unit tests include it (integrations are not in the single header).
#include "../../include/sentry_trace/integrations/sql.hpp"

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

namespace si = sentry_trace::integration;

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool from_hex(std::string_view hex, std::string& bytes) {
  if (hex.size() % 2) return false;
  bytes.clear();
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]), low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return true;
}

void put_hex(std::string_view bytes, std::string& line) {
  static const char digits[] = "0123456789abcdef";
  for (const char c : bytes) {
    const unsigned char b = static_cast<unsigned char>(c);
    line.push_back(digits[b >> 4]);
    line.push_back(digits[b & 15]);
  }
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::string line, statement, reply;
  std::vector<char> buffer;
  std::size_t number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    const std::size_t space = line.find(' ');
    const std::string_view dialect_name = std::string_view(line).substr(0, space);
    const std::string_view hex = space == std::string::npos ? std::string_view() : std::string_view(line).substr(space + 1);
    const si::sql_dialect dialect = dialect_name == "mysql" ? si::sql_dialect::mysql : si::sql_dialect::standard;
    if ((dialect_name != "mysql" && dialect_name != "standard") || !from_hex(hex, statement)) {
      std::fprintf(stderr, "sql_scrub_tool: line %zu is not `<standard|mysql> <hex>`\n", number);
      return 2;
    }
    buffer.resize(statement.size() * 4 + 64);
    const std::string_view scrubbed = si::scrub_sql(statement, buffer.data(), buffer.size(), dialect);
    reply.clear();
    put_hex(scrubbed, reply);
    reply.push_back('\n');
    std::cout << reply;
  }
  std::cout.flush();
  return 0;
}
