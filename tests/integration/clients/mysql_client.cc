// A MySQL-protocol client with known counts, for the agent's MySQL tests: it runs a fixed
// conversation through libmariadb (MariaDB Connector/C) over TCP and prints, as one JSON object
// on stdout, what it sent.
//
//   mysql_client --host 127.0.0.1 --port P --user hostlens --password hostlens --database hostlens
//                [--inserts N] [--selects N] [--updates N] [--prepared N] [--errors N]
//                [--table items] [--ca CERT]
//
// --ca: TLS required (libmariadb's SSL request packet after the greeting, then everything inside
// OpenSSL), the server's certificate checked against CERT but not its name; the output's
// "cipher" names the session's cipher.
//
// On the wire, in order (each a COM_QUERY unless said otherwise; nothing is sent after the
// handshake but these):
//   DROP TABLE IF EXISTS <table>
//   CREATE TABLE <table> (id INT PRIMARY KEY, name VARCHAR(64), qty INT)
//   --inserts  × INSERT INTO <table> (id, name, qty) VALUES (<i>, 'name-<i>', <i>)   ids 1..N
//   --selects  × SELECT name, qty FROM <table> WHERE id = <i>                          rows read
//   --updates  × UPDATE <table> SET qty = qty + 1 WHERE id = <i>
//   if --prepared > 0:
//     COM_STMT_PREPARE INSERT INTO <table> (id, name, qty) VALUES (?, ?, ?)
//     COM_STMT_PREPARE SELECT name, qty FROM <table> WHERE id = ?
//     --prepared × COM_STMT_EXECUTE of the INSERT (new ids), then --prepared × of the SELECT
//     (each result fetched), then COM_STMT_CLOSE of both (no response)
//   --errors   × SELECT * FROM hostlens_missing_table                              → ERR 1146
//   COM_QUIT
//
// Output: {"queries": {"<OPERATION> <table>": n, "DROP": 1, "CREATE": 1, ...},  every
//          COM_QUERY and COM_STMT_EXECUTE, keyed as the agent's SQL normalizer labels them
//          (operation, then the main table if it has one: CREATE/DROP have none);
//          "prepared": {"INSERT <table>": p, "SELECT <table>": p}, the COM_STMT_EXECUTE subset;
//          "commands": {"COM_QUERY": n, "COM_STMT_PREPARE": 2, "COM_STMT_EXECUTE": 2p,
//                       "COM_STMT_CLOSE": 2, "COM_QUIT": 1};
//          "errors": {"1146": q}; "total": all queries; "rows": rows read by SELECTs;
//          "cipher": the TLS cipher, "" without --ca}
// Exit status 0 unless something other than the expected errors failed (then 1, with the reason
// on stderr).

#include <mysql.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string user = "hostlens";
  std::string password = "hostlens";
  std::string database = "hostlens";
  std::string table = "items";
  std::string ca;  // TLS required, with this CA file
  long inserts = 10, selects = 10, updates = 5, prepared = 5, errors = 3;
};

struct Counts {
  std::map<std::string, long> queries, prepared, commands, errors;
  long rows = 0;
};

[[noreturn]] void Die(const std::string& what, const char* reason) {
  std::fprintf(stderr, "mysql_client: failed to %s: %s\n", what.c_str(), reason);
  std::exit(1);
}

std::string JsonObject(const std::map<std::string, long>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ", ";
    out += "\"" + k + "\": " + std::to_string(v);  // keys are plain ASCII names
  }
  return out + "}";
}

// One COM_QUERY; `key` is its "OPERATION table" label. Returns the server's error code, 0 if
// none. A result set is read and freed.
unsigned Query(MYSQL* db, Counts& counts, const std::string& sql, const std::string& key) {
  ++counts.commands["COM_QUERY"];
  ++counts.queries[key];
  if (mysql_query(db, sql.c_str()) != 0) {
    unsigned code = mysql_errno(db);
    ++counts.errors[std::to_string(code)];
    return code;
  }
  if (MYSQL_RES* result = mysql_store_result(db)) {
    while (mysql_fetch_row(result) != nullptr) ++counts.rows;
    mysql_free_result(result);
  } else if (mysql_field_count(db) != 0) {
    Die("read the result of " + sql, mysql_error(db));
  }
  return 0;
}

void MustQuery(MYSQL* db, Counts& counts, const std::string& sql, const std::string& key) {
  if (Query(db, counts, sql, key) != 0) Die("run " + sql, mysql_error(db));
}

MYSQL_STMT* Prepare(MYSQL* db, Counts& counts, const std::string& sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(db);
  if (stmt == nullptr) Die("init a statement", mysql_error(db));
  ++counts.commands["COM_STMT_PREPARE"];
  if (mysql_stmt_prepare(stmt, sql.c_str(), sql.size()) != 0) {
    Die("prepare " + sql, mysql_stmt_error(stmt));
  }
  return stmt;
}

void Execute(MYSQL_STMT* stmt, Counts& counts, const std::string& key) {
  ++counts.commands["COM_STMT_EXECUTE"];
  ++counts.queries[key];
  ++counts.prepared[key];
  if (mysql_stmt_execute(stmt) != 0) Die("execute " + key, mysql_stmt_error(stmt));
}

void RunPrepared(MYSQL* db, const Options& o, Counts& counts) {
  const std::string table = o.table;
  MYSQL_STMT* insert =
      Prepare(db, counts, "INSERT INTO " + table + " (id, name, qty) VALUES (?, ?, ?)");
  MYSQL_STMT* select = Prepare(db, counts, "SELECT name, qty FROM " + table + " WHERE id = ?");

  int id = 0, qty = 0;
  char name[64] = {};
  unsigned long name_length = 0;
  MYSQL_BIND params[3] = {};
  params[0].buffer_type = MYSQL_TYPE_LONG;
  params[0].buffer = &id;
  params[1].buffer_type = MYSQL_TYPE_STRING;
  params[1].buffer = name;
  params[1].length = &name_length;
  params[2].buffer_type = MYSQL_TYPE_LONG;
  params[2].buffer = &qty;
  if (mysql_stmt_bind_param(insert, params) != 0) Die("bind", mysql_stmt_error(insert));
  for (long i = 0; i < o.prepared; ++i) {
    id = static_cast<int>(o.inserts + 1 + i);
    qty = id;
    name_length = std::snprintf(name, sizeof(name), "prepared-%d", id);
    Execute(insert, counts, "INSERT " + table);
  }

  MYSQL_BIND key[1] = {};
  key[0].buffer_type = MYSQL_TYPE_LONG;
  key[0].buffer = &id;
  if (mysql_stmt_bind_param(select, key) != 0) Die("bind", mysql_stmt_error(select));
  char out_name[64] = {};
  unsigned long out_name_length = 0;
  int out_qty = 0;
  MYSQL_BIND columns[2] = {};
  columns[0].buffer_type = MYSQL_TYPE_STRING;
  columns[0].buffer = out_name;
  columns[0].buffer_length = sizeof(out_name);
  columns[0].length = &out_name_length;
  columns[1].buffer_type = MYSQL_TYPE_LONG;
  columns[1].buffer = &out_qty;
  for (long i = 0; i < o.prepared; ++i) {
    id = static_cast<int>(o.inserts + 1 + i);
    Execute(select, counts, "SELECT " + table);
    if (mysql_stmt_bind_result(select, columns) != 0) Die("bind result", mysql_stmt_error(select));
    if (mysql_stmt_store_result(select) != 0) Die("store result", mysql_stmt_error(select));
    int status;
    while ((status = mysql_stmt_fetch(select)) == 0 || status == MYSQL_DATA_TRUNCATED) {
      ++counts.rows;
    }
    if (status == 1) Die("fetch", mysql_stmt_error(select));
    mysql_stmt_free_result(select);
  }
  for (MYSQL_STMT* stmt : {insert, select}) {
    ++counts.commands["COM_STMT_CLOSE"];
    mysql_stmt_close(stmt);
  }
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) Die("parse arguments", ("no value for " + flag).c_str());
    std::string value = argv[++i];
    if (flag == "--host")
      o.host = value;
    else if (flag == "--port")
      o.port = std::stoul(value);
    else if (flag == "--user")
      o.user = value;
    else if (flag == "--password")
      o.password = value;
    else if (flag == "--database")
      o.database = value;
    else if (flag == "--table")
      o.table = value;
    else if (flag == "--ca")
      o.ca = value;
    else if (flag == "--inserts")
      o.inserts = std::stol(value);
    else if (flag == "--selects")
      o.selects = std::stol(value);
    else if (flag == "--updates")
      o.updates = std::stol(value);
    else if (flag == "--prepared")
      o.prepared = std::stol(value);
    else if (flag == "--errors")
      o.errors = std::stol(value);
    else
      Die("parse arguments", ("unknown option " + flag).c_str());
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  MYSQL* db = mysql_init(nullptr);
  if (db == nullptr) Die("init", "out of memory");
  unsigned protocol = MYSQL_PROTOCOL_TCP;  // never the Unix socket, even for "localhost"
  mysql_options(db, MYSQL_OPT_PROTOCOL, &protocol);
  unsigned timeout = 10;
  mysql_options(db, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_options(db, MYSQL_OPT_READ_TIMEOUT, &timeout);
  mysql_options(db, MYSQL_OPT_WRITE_TIMEOUT, &timeout);
  if (!o.ca.empty()) {
    my_bool on = 1, off = 0;
    mysql_optionsv(db, MYSQL_OPT_SSL_ENFORCE, &on);
    mysql_optionsv(db, MYSQL_OPT_SSL_CA, o.ca.c_str());
    mysql_optionsv(db, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
  }
  if (mysql_real_connect(db, o.host.c_str(), o.user.c_str(), o.password.c_str(), o.database.c_str(),
                         o.port, nullptr, 0) == nullptr) {
    Die("connect to " + o.host + ":" + std::to_string(o.port), mysql_error(db));
  }
  const char* ssl_cipher = mysql_get_ssl_cipher(db);
  if (!o.ca.empty() && ssl_cipher == nullptr) Die("use TLS", "the connection is not encrypted");
  const std::string cipher = ssl_cipher == nullptr ? "" : ssl_cipher;

  Counts counts;
  const std::string& t = o.table;
  MustQuery(db, counts, "DROP TABLE IF EXISTS " + t, "DROP");
  MustQuery(db, counts, "CREATE TABLE " + t + " (id INT PRIMARY KEY, name VARCHAR(64), qty INT)",
            "CREATE");
  for (long i = 1; i <= o.inserts; ++i) {
    const std::string n = std::to_string(i);
    MustQuery(
        db, counts,
        "INSERT INTO " + t + " (id, name, qty) VALUES (" + n + ", 'name-" + n + "', " + n + ")",
        "INSERT " + t);
  }
  for (long i = 0; i < o.selects; ++i) {
    const std::string n = std::to_string(o.inserts > 0 ? 1 + i % o.inserts : 0);
    MustQuery(db, counts, "SELECT name, qty FROM " + t + " WHERE id = " + n, "SELECT " + t);
  }
  for (long i = 0; i < o.updates; ++i) {
    const std::string n = std::to_string(o.inserts > 0 ? 1 + i % o.inserts : 0);
    MustQuery(db, counts, "UPDATE " + t + " SET qty = qty + 1 WHERE id = " + n, "UPDATE " + t);
  }
  if (o.prepared > 0) RunPrepared(db, o, counts);
  for (long i = 0; i < o.errors; ++i) {
    unsigned code =
        Query(db, counts, "SELECT * FROM hostlens_missing_table", "SELECT hostlens_missing_table");
    if (code != 1146) Die("get error 1146 for a missing table", mysql_error(db));
  }
  ++counts.commands["COM_QUIT"];
  mysql_close(db);

  long total = 0;
  for (const auto& [k, v] : counts.queries) total += v;
  std::printf(
      "{\"queries\": %s, \"prepared\": %s, \"commands\": %s, \"errors\": %s, \"total\": %ld, "
      "\"rows\": %ld, \"cipher\": \"%s\"}\n",
      JsonObject(counts.queries).c_str(), JsonObject(counts.prepared).c_str(),
      JsonObject(counts.commands).c_str(), JsonObject(counts.errors).c_str(), total, counts.rows,
      cipher.c_str());
  return 0;
}
