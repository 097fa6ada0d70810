/**
 * The restore test's evidence, written by the backup job and read back by the restore test
 * (components/shared/restore-test-script.ts). Shell fragments only, no Pulumi.
 *
 * Before it dumps, the backup job writes one **marker row** into the live database (table
 * {@link MARKER_TABLE}, row `id = 1`: the dump's file name and a fresh random token) and commits
 * it, then writes the dump's **manifest** (`<dump>.manifest`, tab-separated lines):
 *
 *   marker  <md5 of "1|<dump name>|<token>" as the database computes it>
 *   table   <schema.table or table>  <row count>
 *
 * The marker is committed before the dump starts, and both dump tools take one consistent
 * snapshot at their start (pg_dump's transaction snapshot; mysqldump `--single-transaction`), so a
 * complete dump holds exactly this row: a restored copy whose marker checksum differs is a dump of
 * another moment, or a broken one. The row counts are taken between the marker and the dump, in
 * their own statements: rows written or deleted in those milliseconds make the restored counts
 * differ honestly, so the restore test requires every table of the manifest to exist and every
 * table that had rows to still have rows, and reports the counts (it does not require equality).
 * A table created or dropped in that window is the one false alarm this allows.
 *
 * PostgreSQL and MySQL/MariaDB only: the MongoDB dumps carry no marker (no restore test runs for
 * them on Docker and Kubernetes; the plan says so).
 */

/** The engines whose dumps carry a marker and a manifest. */
export type MarkerEngine = "postgres" | "mysql";

/** The table the backup job keeps its marker row in (one row, `id = 1`), in the application's database. */
export const MARKER_TABLE = "tierform_backup_marker";

/** The manifest's file name suffix, after the dump's own name. */
export const MANIFEST_SUFFIX = ".manifest";

/**
 * Shell functions (`$TAB` holding a tab, set by the caller) over the client the calling script set up (`psql` with libpq's environment;
 * `"$MYSQL" "$MY_OPTS"` for MySQL, `$MY_OPTS` the option-file argument the caller set):
 * `row_counts DB` prints `<table>\t<count>` for every base table, sorted; `marker_md5 DB` prints
 * the marker row's md5 (empty when there is none).
 */
export function markerFunctions(engine: MarkerEngine): string {
    if (engine === "postgres") {
        // query_to_xml runs the count per table inside one statement (no dynamic SQL round trip).
        const counts =
            "SELECT n.nspname || '.' || c.relname, (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text " +
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition " +
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'";
        return [
            `pg_query() {`,
            `    psql -X --no-password --quiet --tuples-only --no-align --field-separator="$TAB" -v ON_ERROR_STOP=1 --dbname="$1" --command="$2"`,
            `}`,
            `row_counts() {`,
            `    pg_query "$1" "${counts}" | LC_ALL=C sort`,
            `}`,
            `marker_md5() {`,
            `    if [ "$(pg_query "$1" "SELECT to_regclass('${MARKER_TABLE}') IS NOT NULL")" = t ]; then`,
            `        pg_query "$1" "SELECT md5(concat_ws('|', id, backup_name, token)) FROM ${MARKER_TABLE} WHERE id = 1"`,
            `    fi`,
            `}`,
        ].join("\n");
    }
    // CHAR(96) is the backquote: the generated statements quote each table name without a literal backquote here.
    const countStatements =
        "SELECT CONCAT('SELECT ', QUOTE(table_name), ', COUNT(*) FROM ', CHAR(96), REPLACE(table_name, CHAR(96), CONCAT(CHAR(96), CHAR(96))), CHAR(96), ';') " +
        "FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE'";
    return [
        `my_query() {`,
        `    "$MYSQL" "$MY_OPTS" --batch --skip-column-names --database="$1" --execute="$2"`,
        `}`,
        `row_counts() {`,
        `    my_query "$1" "${countStatements}" >"$WORK_DIR/count.sql"`,
        `    "$MYSQL" "$MY_OPTS" --batch --skip-column-names --database="$1" <"$WORK_DIR/count.sql" | LC_ALL=C sort`,
        `}`,
        `marker_md5() {`,
        `    if [ "$(my_query "$1" "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '${MARKER_TABLE}'")" = 1 ]; then`,
        `        my_query "$1" "SELECT MD5(CONCAT_WS('|', id, backup_name, token)) FROM ${MARKER_TABLE} WHERE id = 1"`,
        `    fi`,
        `}`,
    ].join("\n");
}

/**
 * Shell lines of the backup script, before the dump: write the marker row for `$NAME` into
 * `$DB_NAME` (committed) and the manifest into `$PARTIAL.manifest`.
 */
export function writeMarkerAndManifest(engine: MarkerEngine): string {
    const upsert =
        engine === "postgres"
            ? [
                  `pg_query "$DB_NAME" "CREATE TABLE IF NOT EXISTS ${MARKER_TABLE} (id integer PRIMARY KEY, backup_name text NOT NULL, token text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())" >/dev/null`,
                  `pg_query "$DB_NAME" "INSERT INTO ${MARKER_TABLE} (id, backup_name, token) VALUES (1, '$NAME', '$TOKEN') ON CONFLICT (id) DO UPDATE SET backup_name = EXCLUDED.backup_name, token = EXCLUDED.token, written_at = now()" >/dev/null`,
              ]
            : [
                  `my_query "$DB_NAME" "CREATE TABLE IF NOT EXISTS ${MARKER_TABLE} (id INT PRIMARY KEY, backup_name VARCHAR(255) NOT NULL, token CHAR(32) NOT NULL, written_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP) ENGINE=InnoDB" >/dev/null`,
                  `my_query "$DB_NAME" "INSERT INTO ${MARKER_TABLE} (id, backup_name, token) VALUES (1, '$NAME', '$TOKEN') ON DUPLICATE KEY UPDATE backup_name = VALUES(backup_name), token = VALUES(token), written_at = CURRENT_TIMESTAMP" >/dev/null`,
              ];
    return [
        `# The restore test's evidence (components/shared/backup-marker.ts): a committed marker row, then the manifest.`,
        ...(engine === "postgres" ? [`TAB=$(printf '\\t')`] : []),
        markerFunctions(engine),
        `TOKEN=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')`,
        `[ "\${#TOKEN}" -eq 32 ] || fail "could not read a random token"`,
        ...upsert.map((l) => `${l} || fail "could not write the marker row into ${MARKER_TABLE}"`),
        `MARKER=$(marker_md5 "$DB_NAME") || fail "could not read the marker row back"`,
        `[ -n "$MARKER" ] || fail "the marker row is missing right after it was written"`,
        `{`,
        `    printf 'marker\\t%s\\n' "$MARKER"`,
        `    row_counts "$DB_NAME" | sed 's/^/table\\t/'`,
        `} >"$PARTIAL${MANIFEST_SUFFIX}" || fail "could not count the tables' rows for the manifest"`,
        `log "marker row written ($MARKER); manifest lists $(grep -c '^table' "$PARTIAL${MANIFEST_SUFFIX}") tables"`,
    ].join("\n");
}
