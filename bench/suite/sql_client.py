"""The memory scenario's SQL client: connects to the bench PostgreSQL with psycopg2, prints
"ready", then for each line "<first> <count>" read from stdin sends `count` statements, each of
a shape never sent before, and prints "done <ok> <errors>". Even i: `SELECT i AS c<i>` (a new
column alias: a new normalized statement); odd i: `SELECT 1 FROM bench_missing_<i>` (a new table
name, answered with an error: a new db_collection_name and error series for the agent's caps).
Started by memory.py before the agent, so the agent can track it with --pid."""
import sys

import psycopg2

port = int(sys.argv[1])
conn = psycopg2.connect(host="127.0.0.1", port=port, dbname="hostlens", user="postgres")
conn.autocommit = True
cur = conn.cursor()
print("ready", flush=True)
for line in sys.stdin:
    first, count = (int(x) for x in line.split())
    ok = errors = 0
    for i in range(first, first + count):
        try:
            if i % 2 == 0:
                cur.execute(f"SELECT {i} AS c{i}")
                cur.fetchall()
            else:
                cur.execute(f"SELECT 1 FROM bench_missing_{i}")
            ok += 1
        except psycopg2.Error:
            errors += 1
    print(f"done {ok} {errors}", flush=True)
