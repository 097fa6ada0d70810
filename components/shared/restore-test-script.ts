/**
 * The restore test Docker and Kubernetes run on a schedule (and CI runs against the real
 * PostgreSQL and MariaDB, test/tools/backup-roundtrip.test.ts): restore the newest backup of one
 * database into a **scratch instance** and check it. POSIX sh, no Pulumi; it passes
 * `shellcheck -s sh`.
 *
 * The scratch instance is a throwaway server the script starts itself, from the same image as the
 * backup job (the database's own pinned image has the server as well as the clients): a fresh data
 * directory in a private temporary directory, reachable only through a unix socket in it (no TCP
 * port, so nothing else can reach it and it needs no password), stopped and removed on exit. The
 * live database is never touched and no credential is needed. The server refuses to run as root,
 * as the database containers already do not.
 *
 * Steps, each logged; every check runs and every failure is listed before the verdict:
 * 1. the newest dump (by the time stamp in its name), its `.sha256` (verified) and its
 *    `.manifest` (components/shared/backup-marker.ts) must exist;
 * 2. the archive is whole (`pg_restore --list`; `gzip -t` and the `-- Dump completed` trailer),
 *    then it is restored into an empty database of the scratch server (PostgreSQL: `pg_restore
 *    --exit-on-error --single-transaction --no-owner --no-acl`; MySQL: `gunzip | mysql`);
 * 3. every table of the manifest is present, every table that had rows still has rows, and the
 *    marker row's md5 is the manifest's (the row the backup job committed before dumping).
 *
 * The result is metrics in the Prometheus text format (see {@link RESTORE_TEST_METRICS}), printed
 * to the log and written to `$RESTORE_TEST_METRICS` when that names a file; the exit status is
 * the verdict (0 pass, 1 fail), which is what Kubernetes' Job status and Docker's health check
 * read.
 */
import { dumpExtension, newestDump } from "./backup-script";
import { MANIFEST_SUFFIX, markerFunctions, type MarkerEngine } from "./backup-marker";

/** The metrics the restore test reports (Prometheus text format), each labelled `database`. */
export const RESTORE_TEST_METRICS = {
    /** 1 when the newest backup restored into the scratch instance and passed every check, else 0. */
    success: "tierform_restore_test_success",
    /** When the test finished (Unix seconds). */
    timestamp: "tierform_restore_test_timestamp_seconds",
    /** How long it took. */
    duration: "tierform_restore_test_duration_seconds",
    /** Rows of each table (label `table`) in the restored copy. */
    rows: "tierform_restore_test_rows",
} as const;

/** Options of {@link renderRestoreTestScript}. */
export interface RestoreTestScriptOptions {
    /** The database engine (the dumps carry a marker for these two only). */
    engine: MarkerEngine;
    /** The database the dumps hold (the spec's `databaseName`). */
    database: string;
    /**
     * Where the dumps are; `BACKUP_DIR` overrides it at run time.
     * @default "/backups"
     */
    backupDir?: string;
}

const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SAFE_DIR = /^\/[A-Za-z0-9._/-]*$/;

/** Shell lines starting the scratch server under "$SCRATCH" and pointing the client at it. */
function scratchServer(engine: MarkerEngine): string {
    if (engine === "postgres") {
        return [
            `log "starting a scratch PostgreSQL server (unix socket only) in $SCRATCH"`,
            `initdb --pgdata="$SCRATCH/data" --username=tierform --auth=trust --encoding=UTF8 --no-sync >"$WORK_DIR/initdb.log" 2>&1 ||`,
            `    fail "initdb of the scratch server failed: $(tail -n 5 "$WORK_DIR/initdb.log")"`,
            `pg_ctl --pgdata="$SCRATCH/data" --log="$WORK_DIR/server.log" --wait --timeout=120 \\`,
            `    --options="-c listen_addresses='' -k $SCRATCH -c fsync=off -c full_page_writes=off" start >/dev/null ||`,
            `    fail "the scratch server did not start: $(tail -n 5 "$WORK_DIR/server.log")"`,
            `SERVER_UP=1`,
            `# libpq: the scratch server's socket, its superuser; nothing of the live database.`,
            `unset PGPASSWORD PGPASSFILE PGSSLMODE PGDATABASE PGSERVICE`,
            `PGHOST=$SCRATCH`,
            `PGPORT=5432`,
            `PGUSER=tierform`,
            `export PGHOST PGPORT PGUSER`,
        ].join("\n");
    }
    return [
        `if command -v mariadbd >/dev/null 2>&1; then SERVER=mariadbd; else SERVER=mysqld; fi`,
        `if command -v mariadb >/dev/null 2>&1; then MYSQL=mariadb; else MYSQL=mysql; fi`,
        `command -v "$SERVER" >/dev/null 2>&1 || fail "no mariadbd or mysqld in this image"`,
        `command -v "$MYSQL" >/dev/null 2>&1 || fail "the mysql client is not installed in this image"`,
        `log "starting a scratch $SERVER (unix socket only) in $SCRATCH"`,
        `if [ "$SERVER" = mariadbd ]; then`,
        `    mariadb-install-db --no-defaults --datadir="$SCRATCH/data" --auth-root-authentication-method=normal --skip-test-db >"$WORK_DIR/initdb.log" 2>&1 ||`,
        `        fail "mariadb-install-db of the scratch server failed: $(tail -n 5 "$WORK_DIR/initdb.log")"`,
        `    set -- --skip-log-bin`,
        `else`,
        `    "$SERVER" --no-defaults --initialize-insecure --datadir="$SCRATCH/data" >"$WORK_DIR/initdb.log" 2>&1 ||`,
        `        fail "mysqld --initialize-insecure of the scratch server failed: $(tail -n 5 "$WORK_DIR/initdb.log")"`,
        `    set -- --skip-log-bin --mysqlx=OFF --secure-file-priv=NULL`,
        `fi`,
        `"$SERVER" --no-defaults --datadir="$SCRATCH/data" --socket="$SCRATCH/mysqld.sock" --skip-networking \\`,
        `    --pid-file="$SCRATCH/mysqld.pid" --log-error="$WORK_DIR/server.log" --innodb-buffer-pool-size=64M "$@" >>"$WORK_DIR/server.log" 2>&1 &`,
        `SERVER_PID=$!`,
        `printf '[client]\\nsocket=%s\\nuser=root\\n' "$SCRATCH/mysqld.sock" >"$WORK_DIR/scratch.cnf"`,
        `MY_OPTS="--defaults-file=$WORK_DIR/scratch.cnf"`,
        `tries=0`,
        `until "$MYSQL" "$MY_OPTS" --execute='SELECT 1' >/dev/null 2>&1; do`,
        `    tries=$((tries + 1))`,
        `    kill -0 "$SERVER_PID" 2>/dev/null || fail "the scratch server exited: $(tail -n 5 "$WORK_DIR/server.log")"`,
        `    [ "$tries" -lt 600 ] || fail "the scratch server did not answer within 120 s"`,
        `    sleep 0.2 2>/dev/null || sleep 1`,
        `done`,
    ].join("\n");
}

/** Shell lines stopping the scratch server (inside the EXIT trap). */
function stopServer(engine: MarkerEngine): string {
    return engine === "postgres"
        ? `    if [ -n "$SERVER_UP" ]; then pg_ctl --pgdata="$SCRATCH/data" --mode=immediate --wait stop >/dev/null 2>&1 || true; fi`
        : [
              `    if [ -n "$SERVER_PID" ]; then`,
              `        kill "$SERVER_PID" 2>/dev/null || true`,
              `        wait "$SERVER_PID" 2>/dev/null || true`,
              `    fi`,
          ].join("\n");
}

/** Shell lines checking "$FILE" is a whole archive, before any server starts. */
function checkArchive(engine: MarkerEngine): string {
    return engine === "postgres"
        ? `pg_restore --list "$FILE" >/dev/null 2>&1 || fail "$FILE is not a readable pg_dump archive"`
        : [
              `gzip -t "$FILE" 2>/dev/null || fail "$FILE is not a valid gzip file"`,
              `gzip -dc "$FILE" | tail -n 1 | grep -q '^-- Dump completed' || fail "$FILE is incomplete (no 'Dump completed' trailer)"`,
          ].join("\n");
}

/** Shell lines restoring "$FILE" into "$DB_NAME" on the scratch server. */
function restoreIntoScratch(engine: MarkerEngine): string {
    if (engine === "postgres") {
        return [
            `createdb --no-password "$DB_NAME" || fail "could not create $DB_NAME on the scratch server"`,
            `pg_restore --no-password --dbname="$DB_NAME" --no-owner --no-acl --single-transaction --exit-on-error "$FILE" 2>"$WORK_DIR/restore.log" ||`,
            `    fail "pg_restore failed: $(tail -n 5 "$WORK_DIR/restore.log")"`,
        ].join("\n");
    }
    return [
        `"$MYSQL" "$MY_OPTS" --execute="CREATE DATABASE $DB_NAME" || fail "could not create $DB_NAME on the scratch server"`,
        `gzip -dc "$FILE" | "$MYSQL" "$MY_OPTS" --database="$DB_NAME" 2>"$WORK_DIR/restore.log" ||`,
        `    fail "the restore failed: $(tail -n 5 "$WORK_DIR/restore.log")"`,
    ].join("\n");
}

/**
 * The restore test script (see the module doc). `sh restore-test.sh [<dump name or path>]`
 * (default: the newest dump of the database). Needs the engine's server and client binaries on
 * PATH and a writable `$TMPDIR`.
 */
export function renderRestoreTestScript(opts: RestoreTestScriptOptions): string {
    if (opts.engine !== "postgres" && opts.engine !== "mysql")
        throw new Error(`restore test: no marker for engine '${String(opts.engine)}'`);
    if (!DB_NAME.test(opts.database)) throw new Error(`restore test: database name '${opts.database}' must match ${DB_NAME}`);
    const backupDir = opts.backupDir ?? "/backups";
    if (!SAFE_DIR.test(backupDir) || backupDir.includes(".."))
        throw new Error(`restore test: backupDir '${backupDir}' must be an absolute path`);
    const m = RESTORE_TEST_METRICS;
    const tools = opts.engine === "postgres" ? "initdb pg_ctl pg_restore psql createdb" : "gzip";
    return [
        `#!/bin/sh`,
        `# tierform restore test for the ${opts.engine} database '${opts.database}' (generated by components/shared/restore-test-script.ts):`,
        `# the newest dump restored into a scratch server of its own, then checked against the dump's manifest.`,
        `set -eu`,
        `umask 077`,
        ``,
        `DB_NAME='${opts.database}'`,
        `BACKUP_DIR="\${BACKUP_DIR:-${backupDir}}"`,
        `EXT='${dumpExtension(opts.engine)}'`,
        `STARTED=$(date +%s)`,
        ``,
        `log() {`,
        `    printf '%s [restore-test %s] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$DB_NAME" "$*"`,
        `}`,
        `fail() {`,
        `    log "ERROR: $*" >&2`,
        `    exit 1`,
        `}`,
        ``,
        `for tool in ${tools} sha256sum sort od tr sed grep tail; do`,
        `    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed in this image"`,
        `done`,
        `[ "$(id -u)" != 0 ] || fail "run the restore test as a non-root user: the database server refuses root"`,
        ``,
        `WORK_DIR=$(mktemp -d "\${TMPDIR:-/tmp}/tierform-restore-test.XXXXXX")`,
        `SCRATCH="$WORK_DIR/scratch"`,
        `mkdir "$SCRATCH"`,
        opts.engine === "postgres" ? `SERVER_UP=""` : `SERVER_PID=""`,
        `TAB=$(printf '\\t')`,
        `ROWS=""`,
        `# The metrics, whatever the verdict: success is 1 only when the script reaches its end.`,
        `metrics() {`,
        `    now=$(date +%s)`,
        `    printf '# HELP ${m.success} 1 when the newest backup restored into a scratch instance and passed every check, else 0.\\n'`,
        `    printf '# TYPE ${m.success} gauge\\n'`,
        `    printf '${m.success}{database="%s"} %s\\n' "$DB_NAME" "$1"`,
        `    printf '# HELP ${m.timestamp} When the restore test finished.\\n'`,
        `    printf '# TYPE ${m.timestamp} gauge\\n'`,
        `    printf '${m.timestamp}{database="%s"} %s\\n' "$DB_NAME" "$now"`,
        `    printf '# HELP ${m.duration} How long the restore test took.\\n'`,
        `    printf '# TYPE ${m.duration} gauge\\n'`,
        `    printf '${m.duration}{database="%s"} %s\\n' "$DB_NAME" "$((now - STARTED))"`,
        `    if [ -n "$ROWS" ] && [ -s "$ROWS" ]; then`,
        `        printf '# HELP ${m.rows} Rows of each table in the restored copy.\\n'`,
        `        printf '# TYPE ${m.rows} gauge\\n'`,
        `        while IFS="$TAB" read -r t n; do`,
        `            printf '${m.rows}{database="%s",table="%s"} %s\\n' "$DB_NAME" "$(printf '%s' "$t" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')" "$n"`,
        `        done <"$ROWS"`,
        `    fi`,
        `}`,
        `finish() {`,
        `    status=$?`,
        `    if [ "$status" -eq 0 ]; then result=1; else result=0; fi`,
        `    metrics "$result" >"$WORK_DIR/metrics.prom"`,
        `    cat "$WORK_DIR/metrics.prom"`,
        `    if [ -n "\${RESTORE_TEST_METRICS:-}" ]; then`,
        `        if ! { cp "$WORK_DIR/metrics.prom" "$RESTORE_TEST_METRICS.tmp" && mv "$RESTORE_TEST_METRICS.tmp" "$RESTORE_TEST_METRICS"; }; then`,
        `            log "ERROR: could not write $RESTORE_TEST_METRICS"`,
        `        fi`,
        `    fi`,
        stopServer(opts.engine),
        `    rm -rf "$WORK_DIR"`,
        `    if [ "$result" = 1 ]; then log "PASSED"; else log "FAILED"; fi`,
        `    exit "$status"`,
        `}`,
        `trap finish EXIT`,
        `trap 'exit 129' HUP`,
        `trap 'exit 130' INT`,
        `trap 'exit 143' TERM`,
        ``,
        markerFunctions(opts.engine),
        ``,
        `FILE="\${1:-}"`,
        `if [ -z "$FILE" ]; then`,
        newestDump("    "),
        `else`,
        `    case "$FILE" in`,
        `        */*) ;;`,
        `        *) FILE="$BACKUP_DIR/$FILE" ;;`,
        `    esac`,
        `fi`,
        `[ -f "$FILE" ] || fail "$FILE does not exist"`,
        `MANIFEST="$FILE${MANIFEST_SUFFIX}"`,
        `log "testing $FILE"`,
        `[ -f "$FILE.sha256" ] || fail "$FILE.sha256 is missing"`,
        `(cd "$(dirname "$FILE")" && sha256sum -c "\${FILE##*/}.sha256" >/dev/null 2>&1) || fail "checksum mismatch for $FILE"`,
        `[ -f "$MANIFEST" ] || fail "$MANIFEST is missing: the backup job wrote no marker for this dump"`,
        `EXPECTED_MARKER=$(sed -n "s/^marker$TAB//p" "$MANIFEST")`,
        `[ -n "$EXPECTED_MARKER" ] || fail "$MANIFEST names no marker"`,
        checkArchive(opts.engine),
        ``,
        scratchServer(opts.engine),
        restoreIntoScratch(opts.engine),
        `log "restored; checking against the manifest"`,
        ``,
        `ROWS="$WORK_DIR/rows"`,
        `row_counts "$DB_NAME" >"$ROWS" || fail "could not count the restored tables' rows"`,
        `PROBLEMS=0`,
        `problem() {`,
        `    log "CHECK FAILED: $*" >&2`,
        `    PROBLEMS=$((PROBLEMS + 1))`,
        `}`,
        `TABLES=0`,
        `while IFS="$TAB" read -r kind table count; do`,
        `    [ "$kind" = table ] || continue`,
        `    TABLES=$((TABLES + 1))`,
        `    restored=""`,
        `    while IFS="$TAB" read -r t n; do`,
        `        if [ "$t" = "$table" ]; then`,
        `            restored=$n`,
        `            break`,
        `        fi`,
        `    done <"$ROWS"`,
        `    if [ -z "$restored" ]; then`,
        `        problem "table $table is missing from the restored copy"`,
        `    elif [ "$count" -gt 0 ] && [ "$restored" -eq 0 ]; then`,
        `        problem "table $table had $count rows at backup time and none restored"`,
        `    fi`,
        `done <"$MANIFEST"`,
        `[ "$TABLES" -gt 0 ] || problem "$MANIFEST lists no tables"`,
        `GOT_MARKER=$(marker_md5 "$DB_NAME" 2>/dev/null || true)`,
        `if [ "$GOT_MARKER" != "$EXPECTED_MARKER" ]; then`,
        `    problem "the marker row's checksum is '\${GOT_MARKER:-<no marker row>}', the manifest's $EXPECTED_MARKER"`,
        `fi`,
        `[ "$PROBLEMS" -eq 0 ] || fail "$PROBLEMS checks failed for \${FILE##*/}"`,
        `log "all $TABLES tables present, non-empty ones non-empty, marker $GOT_MARKER matches"`,
        ``,
    ].join("\n");
}
