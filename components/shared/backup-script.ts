/**
 * The backup, restore and scheduling shell scripts every platform runs for its databases: the
 * Docker platform runs them in a long-lived backup container (non-root, so no crond: see
 * {@link renderScheduleLoop}), Kubernetes in a CronJob per datastore; on AWS the managed service's
 * own backups (AWS Backup / RDS PITR) do the work and these scripts serve the restore runbook.
 *
 * Pure functions, no Pulumi: they return text. The scripts are POSIX `sh` (dash, busybox ash in
 * alpine images, bash) and pass `shellcheck -s sh`; test/tools/ proves both with the real tools
 * and round-trips real PostgreSQL and MariaDB servers through them.
 *
 * Credentials never appear in a script nor on any command line (no `-p<password>`, no URI with a
 * password on argv): they come from environment variables, which the script turns into a client
 * option file created with umask 077 in a private temporary directory and removed on exit.
 * See {@link CONNECTION_ENV} for the variables of each engine.
 *
 * Honest note on "incremental" (AuroMart: daily full + 6-hourly incremental): a logical dump
 * tool has no incremental mode, so on Docker and Kubernetes the `incremental` run is a full
 * logical dump taken more often and tagged `incremental` in its file name. True incrementals
 * (block-level snapshots, WAL/binlog point-in-time recovery) come from AWS Backup and RDS/Aurora
 * PITR on prod.
 */
import { cronProblem } from "../../conventions/cron";
import { datastoreImage } from "./images";
import { MANIFEST_SUFFIX, writeMarkerAndManifest } from "./backup-marker";

/** The database engines the scripts back up and restore. */
export type BackupEngine = "postgres" | "mysql" | "mongodb";

/** Where to copy each backup off-site. */
export interface OffsiteTarget {
    kind: "s3";
    /** Bucket name (no `s3://`). */
    bucket: string;
    /** Key prefix inside the bucket. Default: the database name. */
    prefix?: string;
    /**
     * Name of an environment variable holding an S3 endpoint URL (e.g. MinIO on Docker). When that
     * variable is set and non-empty at run time the upload uses `--endpoint-url`; else AWS S3.
     */
    endpointEnvVar?: string;
    /** Server-side encryption for `aws s3 cp --sse`. Default `AES256`. */
    sse?: "AES256" | "aws:kms";
}

/** Options of {@link renderBackupScript}. */
export interface BackupScriptOptions {
    engine: BackupEngine;
    /** The database to dump and restore (the spec's `databaseName`). */
    database: string;
    /** Dumps older than this many days are deleted after each successful backup. */
    retentionDays: number;
    /** Where dumps live. Default `/backups`; the `BACKUP_DIR` environment variable overrides it at run time. */
    backupDir?: string;
    /** Write `<dump>.sha256` next to each dump and require it on restore. Default true. */
    checksum?: boolean;
    /**
     * Copy every dump (and its checksum) off-site. When set, a missing `aws` CLI or a failed upload
     * fails the run loudly (non-zero exit), never a silent skip. Default: none (local dumps only).
     */
    offsite?: OffsiteTarget;
    /**
     * Before each dump, write the restore test's marker row into the database and the dump's
     * manifest next to it (components/shared/backup-marker.ts). PostgreSQL and MySQL only; the
     * database user needs CREATE on the database once (the table `tierform_backup_marker`).
     * @default false
     */
    marker?: boolean;
}

/** Options of the restore script: the same as the backup's, so both agree on names and credentials. */
export type RestoreScriptOptions = BackupScriptOptions;

/**
 * Environment variables the scripts read, per engine. `secret` ones must come from the platform's
 * secret mechanism (Kubernetes `secretKeyRef`, a Docker secret file via the `_FILE` variant, ...).
 * Every password variable also has a `<NAME>_FILE` variant that names a file holding it.
 */
export const CONNECTION_ENV: Record<BackupEngine, { required: string[]; optional: string[]; secret: string[] }> = {
    // libpq reads these itself; the password never reaches argv.
    postgres: {
        required: ["PGHOST", "PGUSER"],
        optional: ["PGPORT", "PGPASSFILE", "PGPASSWORD_FILE", "PGSSLMODE"],
        secret: ["PGPASSWORD"],
    },
    // Written into a [client] option file passed with --defaults-extra-file (MySQL 8 and MariaDB clients alike).
    mysql: { required: ["MYSQL_HOST", "MYSQL_USER"], optional: ["MYSQL_TCP_PORT", "MYSQL_PASSWORD_FILE"], secret: ["MYSQL_PASSWORD"] },
    // Written into a mongodump/mongorestore --config YAML file (uri, password); the URI should carry authSource.
    mongodb: { required: ["MONGODB_URI"], optional: ["MONGODB_PASSWORD_FILE"], secret: ["MONGODB_PASSWORD"] },
};

/** File extension of a dump: PostgreSQL custom format, gzip'd SQL, gzip'd mongodump archive. */
export function dumpExtension(engine: BackupEngine): string {
    return { postgres: "dump", mysql: "sql.gz", mongodb: "archive.gz" }[engine];
}

/**
 * The pinned client image to run the scripts with: the same image (hence the same client major
 * version) as the database server tierform runs for `engine` at `version`, e.g.
 * `postgres:14.24-alpine`, `mysql:8.0.46`, `mongo:7.0.40`. It has the dump tools, gzip,
 * sha256sum and find. Throws for a version without a pinned image.
 */
export function backupImage(engine: BackupEngine, version: string): string {
    return datastoreImage(engine, version);
}

const DB_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const SAFE_DIR = /^\/[A-Za-z0-9._/-]*$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX = /^[A-Za-z0-9._-][A-Za-z0-9._/-]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Single-quote `s` for sh (safe for any content). */
function shq(s: string): string {
    return `'${s.replace(/'/g, `'\\''`)}'`;
}

function validate(opts: BackupScriptOptions): Required<Omit<BackupScriptOptions, "offsite">> & { offsite?: OffsiteTarget } {
    if (opts.marker && opts.engine === "mongodb")
        throw new Error(`backup: the restore test's marker is written for PostgreSQL and MySQL only`);
    if (!["postgres", "mysql", "mongodb"].includes(opts.engine)) throw new Error(`backup: unknown engine '${opts.engine}'`);
    if (!DB_NAME.test(opts.database)) throw new Error(`backup: database name '${opts.database}' must match ${DB_NAME}`);
    if (!Number.isInteger(opts.retentionDays) || opts.retentionDays < 1 || opts.retentionDays > 36500) {
        throw new Error(`backup: retentionDays must be a whole number of days from 1 to 36500, not ${opts.retentionDays}`);
    }
    const backupDir = opts.backupDir ?? "/backups";
    if (!SAFE_DIR.test(backupDir) || backupDir.includes(".."))
        throw new Error(`backup: backupDir '${backupDir}' must be an absolute path of [A-Za-z0-9._/-]`);
    const o = opts.offsite;
    if (o) {
        if (o.kind !== "s3") throw new Error(`backup: unknown off-site kind '${String(o.kind)}'`);
        if (!BUCKET.test(o.bucket)) throw new Error(`backup: '${o.bucket}' is not a valid S3 bucket name`);
        if (o.prefix !== undefined && (!PREFIX.test(o.prefix) || o.prefix.includes("..")))
            throw new Error(`backup: off-site prefix '${o.prefix}' must be [A-Za-z0-9._/-] without a leading '/'`);
        if (o.endpointEnvVar !== undefined && !ENV_NAME.test(o.endpointEnvVar))
            throw new Error(`backup: '${o.endpointEnvVar}' is not an environment variable name`);
        if (o.sse !== undefined && o.sse !== "AES256" && o.sse !== "aws:kms") throw new Error(`backup: sse must be AES256 or aws:kms`);
    }
    return {
        engine: opts.engine,
        database: opts.database,
        retentionDays: opts.retentionDays,
        backupDir,
        checksum: opts.checksum ?? true,
        offsite: o,
        marker: opts.marker ?? false,
    };
}

/** Shell lines shared by the backup and restore scripts: settings, logging, temp dir, credentials. */
function prelude(kind: "backup" | "restore", o: ReturnType<typeof validate>): string {
    const tools: Record<BackupEngine, string> = {
        postgres: kind === "backup" ? "pg_dump pg_restore" : "pg_restore psql createdb",
        mysql: "gzip",
        mongodb: kind === "backup" ? "mongodump gzip" : "mongorestore gzip",
    };
    const needed = [
        tools[o.engine],
        o.checksum ? "sha256sum" : "",
        kind === "backup" ? "find" : "sort",
        kind === "backup" && o.offsite ? "aws" : "",
        kind === "backup" && o.marker ? `od tr${o.engine === "postgres" ? " psql" : ""}` : "",
    ]
        .filter(Boolean)
        .join(" ");
    const lines = [
        `#!/bin/sh`,
        `# tierform ${kind} script for the ${o.engine} database '${o.database}' (generated by components/shared/backup-script.ts).`,
        `# Credentials come only from the environment (${[...CONNECTION_ENV[o.engine].required, ...CONNECTION_ENV[o.engine].secret].join(", ")});`,
        `# they are never written on a command line.`,
        `set -eu`,
        `umask 077`,
        ``,
        `DB_NAME=${shq(o.database)}`,
        `BACKUP_DIR="\${BACKUP_DIR:-${o.backupDir}}"`,
        `EXT=${shq(dumpExtension(o.engine))}`,
        ``,
        `log() {`,
        `    printf '%s [${kind} %s] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$DB_NAME" "$*"`,
        `}`,
        `fail() {`,
        `    log "ERROR: $*" >&2`,
        `    exit 1`,
        `}`,
        ``,
        `for tool in ${needed}; do`,
        `    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed in this image"`,
        `done`,
        ``,
        `WORK_DIR=$(mktemp -d "\${TMPDIR:-/tmp}/tierform-${kind}.XXXXXX")`,
        `PARTIAL=""`,
        `cleanup() {`,
        `    rm -rf "$WORK_DIR"`,
        `    if [ -n "$PARTIAL" ]; then rm -f "$PARTIAL" "$PARTIAL.sha256" "$PARTIAL${MANIFEST_SUFFIX}"; fi`,
        `}`,
        `trap cleanup EXIT`,
        `trap 'exit 129' HUP`,
        `trap 'exit 130' INT`,
        `trap 'exit 143' TERM`,
        ``,
    ];
    return lines.join("\n") + "\n" + credentials(o.engine, kind, o.marker) + "\n";
}

/** Shell lines turning the engine's environment variables into a private client config. */
function credentials(engine: BackupEngine, kind: "backup" | "restore", marker: boolean): string {
    if (engine === "postgres") {
        return [
            `# libpq reads PGHOST, PGPORT, PGUSER, PGPASSWORD / PGPASSFILE from the environment.`,
            `if [ -n "\${PGPASSWORD_FILE:-}" ]; then`,
            `    PGPASSWORD=$(cat "$PGPASSWORD_FILE")`,
            `    export PGPASSWORD`,
            `fi`,
            `: "\${PGUSER:?PGUSER must be set}"`,
            ``,
        ].join("\n");
    }
    if (engine === "mysql") {
        return [
            `# A [client] option file (mode 600, private temp dir) instead of -p<password> or MYSQL_PWD:`,
            `# --defaults-extra-file works for MySQL 8 and MariaDB clients alike.`,
            `if [ -n "\${MYSQL_PASSWORD_FILE:-}" ]; then`,
            `    MYSQL_PASSWORD=$(cat "$MYSQL_PASSWORD_FILE")`,
            `fi`,
            `: "\${MYSQL_HOST:?MYSQL_HOST must be set}"`,
            `: "\${MYSQL_USER:?MYSQL_USER must be set}"`,
            `: "\${MYSQL_PASSWORD:?MYSQL_PASSWORD or MYSQL_PASSWORD_FILE must be set}"`,
            `option_value() {`,
            `    printf '%s' "$1" | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g'`,
            `}`,
            `MY_CNF="$WORK_DIR/client.cnf"`,
            `{`,
            `    printf '[client]\\n'`,
            `    printf 'host="%s"\\n' "$(option_value "$MYSQL_HOST")"`,
            `    printf 'port=%s\\n' "\${MYSQL_TCP_PORT:-3306}"`,
            `    printf 'user="%s"\\n' "$(option_value "$MYSQL_USER")"`,
            `    printf 'password="%s"\\n' "$(option_value "$MYSQL_PASSWORD")"`,
            `} >"$MY_CNF"`,
            `unset MYSQL_PASSWORD`,
            ...(kind === "backup"
                ? [
                      `if command -v mariadb-dump >/dev/null 2>&1; then MYSQLDUMP=mariadb-dump; else MYSQLDUMP=mysqldump; fi\ncommand -v "$MYSQLDUMP" >/dev/null 2>&1 || fail "mysqldump is not installed in this image"`,
                  ]
                : []),
            ...(kind === "restore" || marker
                ? [
                      `if command -v mariadb >/dev/null 2>&1; then MYSQL=mariadb; else MYSQL=mysql; fi\ncommand -v "$MYSQL" >/dev/null 2>&1 || fail "the mysql client is not installed in this image"`,
                  ]
                : []),
            ...(marker ? [`MY_OPTS="--defaults-extra-file=$MY_CNF"`] : []),
            ``,
        ].join("\n");
    }
    return [
        `# A --config YAML file (mode 600, private temp dir) holds the URI and password: never --uri on argv.`,
        `if [ -n "\${MONGODB_PASSWORD_FILE:-}" ]; then`,
        `    MONGODB_PASSWORD=$(cat "$MONGODB_PASSWORD_FILE")`,
        `fi`,
        `: "\${MONGODB_URI:?MONGODB_URI must be set (mongodb://user@host:27017/?authSource=admin)}"`,
        `yaml_value() {`,
        `    printf '%s' "$1" | sed -e "s/'/''/g"`,
        `}`,
        `MONGO_CONFIG="$WORK_DIR/mongo.yaml"`,
        `{`,
        `    printf "uri: '%s'\\n" "$(yaml_value "$MONGODB_URI")"`,
        `    if [ -n "\${MONGODB_PASSWORD:-}" ]; then printf "password: '%s'\\n" "$(yaml_value "$MONGODB_PASSWORD")"; fi`,
        `} >"$MONGO_CONFIG"`,
        `unset MONGODB_URI MONGODB_PASSWORD`,
        ``,
    ].join("\n");
}

/** Shell lines that dump into "$PARTIAL" and verify it. */
function dumpAndVerify(engine: BackupEngine): string {
    if (engine === "postgres") {
        // Custom format: compressed, verifiable with pg_restore --list, restorable selectively.
        return [
            `log "dumping with pg_dump (custom format, compressed)"`,
            `pg_dump --no-password --format=custom --compress=6 --dbname="$DB_NAME" --file="$PARTIAL"`,
            `pg_restore --list "$PARTIAL" >"$WORK_DIR/toc" || fail "the dump is not a readable archive"`,
            `[ -s "$WORK_DIR/toc" ] || fail "the dump's table of contents is empty"`,
        ].join("\n");
    }
    if (engine === "mysql") {
        return [
            `log "dumping with $MYSQLDUMP (single transaction, routines, triggers, events) | gzip"`,
            `# POSIX sh has no pipefail: the dump's own exit status goes through a file.`,
            `{`,
            `    if "$MYSQLDUMP" --version 2>/dev/null | grep -q MariaDB; then`,
            `        if "$MYSQLDUMP" --defaults-extra-file="$MY_CNF" --single-transaction --routines --triggers --events --no-tablespaces --hex-blob "$DB_NAME"; then echo 0 >"$WORK_DIR/status"; else echo "$?" >"$WORK_DIR/status"; fi`,
            `    else`,
            `        if "$MYSQLDUMP" --defaults-extra-file="$MY_CNF" --single-transaction --routines --triggers --events --no-tablespaces --hex-blob --set-gtid-purged=OFF "$DB_NAME"; then echo 0 >"$WORK_DIR/status"; else echo "$?" >"$WORK_DIR/status"; fi`,
            `    fi`,
            `} | gzip -c >"$PARTIAL"`,
            `[ "$(cat "$WORK_DIR/status" 2>/dev/null)" = 0 ] || fail "$MYSQLDUMP failed"`,
            `gzip -t "$PARTIAL" || fail "the dump is not a valid gzip file"`,
            `gzip -dc "$PARTIAL" | tail -n 1 | grep -q '^-- Dump completed' || fail "the dump is incomplete (no 'Dump completed' trailer)"`,
        ].join("\n");
    }
    return [
        `log "dumping with mongodump --archive | gzip"`,
        `{`,
        `    if mongodump --config="$MONGO_CONFIG" --db="$DB_NAME" --archive; then echo 0 >"$WORK_DIR/status"; else echo "$?" >"$WORK_DIR/status"; fi`,
        `} | gzip -c >"$PARTIAL"`,
        `[ "$(cat "$WORK_DIR/status" 2>/dev/null)" = 0 ] || fail "mongodump failed"`,
        `gzip -t "$PARTIAL" || fail "the dump is not a valid gzip file"`,
    ].join("\n");
}

/**
 * The backup script. Run it with `sh`; arguments: `--label full|incremental` (or env
 * `BACKUP_KIND`, default `full`). Steps, each logged with a UTC timestamp, any failure exiting
 * non-zero: dump to `.partial-<name>` → verify (pg_restore --list / gzip -t + mysqldump trailer) →
 * sha256 → atomic rename to `<db>-<kind>-<YYYYMMDDTHHMMSSZ>.<ext>` → off-site upload with `--sse`
 * (when configured; failure is fatal) → prune this database's dumps older than `retentionDays`
 * (by mtime, `find -mmin +<days*1440>`). Pruning runs only after a successful backup, so the
 * newest good dump is never removed.
 *
 * PostgreSQL uses `pg_dump -Fc` (compressed, checkable with `pg_restore --list`, selective and
 * parallel restore); MySQL/MariaDB `mysqldump --single-transaction --routines --triggers --events`
 * piped to gzip; MongoDB `mongodump --archive` piped to gzip.
 */
export function renderBackupScript(opts: BackupScriptOptions): string {
    const o = validate(opts);
    const sse = o.offsite?.sse ?? "AES256";
    const offsite = o.offsite
        ? (() => {
              const prefix = (o.offsite.prefix ?? o.database).replace(/\/+$/, "");
              const endpoint = o.offsite.endpointEnvVar;
              const cp = (endpointArgs: string) => `aws ${endpointArgs}s3 cp --only-show-errors --sse ${sse} "$1" "$2"`;
              return [
                  ``,
                  `# Off-site copy: configured, so a failure is fatal.`,
                  `OFFSITE_URL=${shq(`s3://${o.offsite.bucket}/${prefix}`)}`,
                  `s3_copy() {`,
                  endpoint
                      ? [
                            `    if [ -n "\${${endpoint}:-}" ]; then`,
                            `        ${cp(`--endpoint-url "$${endpoint}" `)}`,
                            `    else`,
                            `        ${cp("")}`,
                            `    fi`,
                        ].join("\n")
                      : `    ${cp("")}`,
                  `}`,
                  `log "uploading to $OFFSITE_URL/$NAME (sse ${sse})"`,
                  `s3_copy "$FINAL" "$OFFSITE_URL/$NAME" || fail "off-site upload of $NAME failed"`,
                  o.checksum ? `s3_copy "$FINAL.sha256" "$OFFSITE_URL/$NAME.sha256" || fail "off-site upload of $NAME.sha256 failed"` : ``,
              ].join("\n");
          })()
        : "";
    return [
        prelude("backup", o),
        `RETENTION_DAYS=${o.retentionDays}`,
        `KIND="\${BACKUP_KIND:-full}"`,
        `while [ "$#" -gt 0 ]; do`,
        `    case "$1" in`,
        `        --label)`,
        `            [ "$#" -ge 2 ] || fail "--label needs a value"`,
        `            KIND=$2`,
        `            shift 2`,
        `            ;;`,
        `        --label=*)`,
        `            KIND=\${1#--label=}`,
        `            shift`,
        `            ;;`,
        `        *) fail "unknown argument: $1 (usage: backup.sh [--label full|incremental])" ;;`,
        `    esac`,
        `done`,
        `case "$KIND" in`,
        `    full | incremental) ;;`,
        `    *) fail "backup kind must be full or incremental, not '$KIND'" ;;`,
        `esac`,
        ``,
        `mkdir -p "$BACKUP_DIR"`,
        `[ -w "$BACKUP_DIR" ] || fail "$BACKUP_DIR is not writable"`,
        `NAME="$DB_NAME-$KIND-$(date -u +%Y%m%dT%H%M%SZ).$EXT"`,
        `FINAL="$BACKUP_DIR/$NAME"`,
        `[ ! -e "$FINAL" ] || fail "$FINAL already exists"`,
        `PARTIAL="$BACKUP_DIR/.partial-$NAME"`,
        `log "starting $KIND backup into $FINAL"`,
        o.marker && o.engine !== "mongodb" ? writeMarkerAndManifest(o.engine) : `# no restore-test marker`,
        dumpAndVerify(o.engine),
        o.checksum
            ? [
                  `SUM=$(sha256sum "$PARTIAL")`,
                  `printf '%s  %s\\n' "\${SUM%% *}" "$NAME" >"$PARTIAL.sha256"`,
                  `mv "$PARTIAL.sha256" "$FINAL.sha256"`,
              ].join("\n")
            : `# checksums disabled`,
        o.marker ? `mv "$PARTIAL${MANIFEST_SUFFIX}" "$FINAL${MANIFEST_SUFFIX}"` : `# no manifest`,
        `mv "$PARTIAL" "$FINAL"`,
        `PARTIAL=""`,
        `log "wrote $NAME ($(wc -c <"$FINAL" | tr -d ' ') bytes)${o.checksum ? " and its sha256" : ""}"`,
        offsite,
        ``,
        `# Retention: delete this database's dumps older than $RETENTION_DAYS days (by modification time).`,
        `find "$BACKUP_DIR" -maxdepth 1 -type f -name "$DB_NAME-*" -mmin +"$((RETENTION_DAYS * 1440))" >"$WORK_DIR/expired"`,
        `while IFS= read -r old; do`,
        `    [ "$old" != "$FINAL" ] || continue`,
        `    rm -f "$old"`,
        `    log "pruned \${old##*/} (older than $RETENTION_DAYS days)"`,
        `done <"$WORK_DIR/expired"`,
        `log "backup complete: $NAME"`,
        ``,
    ].join("\n");
}

/** Shell lines restoring "$FILE" into the database. */
function restoreCommands(engine: BackupEngine): string {
    if (engine === "postgres") {
        return [
            `pg_restore --list "$FILE" >/dev/null || fail "$FILE is not a readable pg_dump archive"`,
            `if ! psql -X --no-password --quiet --dbname="$DB_NAME" --command='SELECT 1' >/dev/null 2>&1; then`,
            `    log "database $DB_NAME is missing: creating it"`,
            `    createdb --no-password "$DB_NAME" || fail "could not create database $DB_NAME"`,
            `fi`,
            `log "restoring with pg_restore --clean --if-exists --no-owner (one transaction)"`,
            `pg_restore --no-password --dbname="$DB_NAME" --clean --if-exists --no-owner --single-transaction --exit-on-error "$FILE"`,
        ].join("\n");
    }
    if (engine === "mysql") {
        return [
            `gzip -t "$FILE" || fail "$FILE is not a valid gzip file"`,
            `CREATE_SQL="CREATE DATABASE IF NOT EXISTS \\\`$DB_NAME\\\`"`,
            `"$MYSQL" --defaults-extra-file="$MY_CNF" --execute="$CREATE_SQL"`,
            `log "restoring with gunzip | $MYSQL"`,
            `{`,
            `    if gzip -dc "$FILE"; then echo 0 >"$WORK_DIR/status"; else echo "$?" >"$WORK_DIR/status"; fi`,
            `} | "$MYSQL" --defaults-extra-file="$MY_CNF" "$DB_NAME"`,
            `[ "$(cat "$WORK_DIR/status" 2>/dev/null)" = 0 ] || fail "could not decompress $FILE"`,
        ].join("\n");
    }
    return [
        `gzip -t "$FILE" || fail "$FILE is not a valid gzip file"`,
        `log "restoring with gunzip | mongorestore --archive --drop"`,
        `{`,
        `    if gzip -dc "$FILE"; then echo 0 >"$WORK_DIR/status"; else echo "$?" >"$WORK_DIR/status"; fi`,
        `} | mongorestore --config="$MONGO_CONFIG" --archive --drop --nsInclude="$DB_NAME.*"`,
        `[ "$(cat "$WORK_DIR/status" 2>/dev/null)" = 0 ] || fail "could not decompress $FILE"`,
    ].join("\n");
}

/**
 * Shell lines (indented by `indent`) setting `FILE` to the newest dump of `$DB_NAME` in
 * `$BACKUP_DIR`, newest by the time stamp in its name (full or incremental), or failing when there
 * is none. The restore and the restore test scripts share them.
 */
export function newestDump(indent = ""): string {
    return [
        `for f in "$BACKUP_DIR/$DB_NAME"-*."$EXT"; do`,
        `    [ -f "$f" ] || continue`,
        `    base=\${f##*/}`,
        `    stamp=\${base%."$EXT"}`,
        `    printf '%s %s\\n' "\${stamp##*-}" "$base"`,
        `done | sort >"$WORK_DIR/dumps"`,
        `newest=$(tail -n 1 "$WORK_DIR/dumps")`,
        `[ -n "$newest" ] || fail "no $DB_NAME-*.$EXT dump in $BACKUP_DIR"`,
        `FILE="$BACKUP_DIR/\${newest#* }"`,
    ]
        .map((l) => indent + l)
        .join("\n");
}

/**
 * The restore script. `sh restore.sh [<dump file name or path>]` (or env `RESTORE_FILE`); without
 * one it restores the newest dump of this database in the backup directory (newest by the
 * timestamp in the name, full or incremental). It verifies the sha256 (when checksums are on, a
 * missing checksum file is an error), checks the archive, then restores: PostgreSQL `pg_restore
 * --clean --if-exists --no-owner` in one transaction (creating the database when it is missing),
 * MySQL `gunzip | mysql` after `CREATE DATABASE IF NOT EXISTS` (the dump drops and recreates each
 * table), MongoDB `gunzip | mongorestore --drop`. Same credential rules as the backup.
 */
export function renderRestoreScript(opts: RestoreScriptOptions): string {
    const o = validate(opts);
    return [
        prelude("restore", o),
        `FILE="\${1:-\${RESTORE_FILE:-}}"`,
        `if [ -z "$FILE" ]; then`,
        newestDump("    "),
        `else`,
        `    case "$FILE" in`,
        `        */*) ;;`,
        `        *) FILE="$BACKUP_DIR/$FILE" ;;`,
        `    esac`,
        `fi`,
        `[ -f "$FILE" ] || fail "$FILE does not exist"`,
        `log "restoring $FILE into $DB_NAME"`,
        o.checksum
            ? [
                  `[ -f "$FILE.sha256" ] || fail "$FILE.sha256 is missing: refusing to restore an unverified dump"`,
                  `(cd "$(dirname "$FILE")" && sha256sum -c "\${FILE##*/}.sha256" >/dev/null) || fail "checksum mismatch for $FILE"`,
                  `log "checksum verified"`,
              ].join("\n")
            : `# checksums disabled`,
        restoreCommands(o.engine),
        `log "restore complete from \${FILE##*/}"`,
        ``,
    ].join("\n");
}

/** Options of {@link renderScheduleLoop}. */
export interface ScheduleLoopOptions {
    /**
     * Exported as `BACKUP_KIND` to the command for the schedule that fired (the first matching one
     * wins when several match the same minute). Default: `full` for the first schedule,
     * `incremental` for the others (AuroMart's daily full + 6-hourly incremental).
     */
    labels?: string[];
}

/**
 * A long-running POSIX sh scheduler for a non-root container (which cannot run crond): it wakes at
 * every minute boundary and runs `command` (shell code, inserted as is) when the current minute
 * matches any of the five-field cron `schedules` (`*`, numbers, `a-b`, `a,b`, `*\/n`, `a-b/n`;
 * day-of-week 0-7 with 0 and 7 both Sunday), in the container's time zone (`TZ`, UTC by default).
 * Like model/cron.ts, every field must match (day-of-month AND day-of-week; classic cron ORs the
 * two when both are restricted, which no preset does). Runs never overlap: a run that outlasts
 * its minute makes the loop skip the minutes it missed. A failed run is logged with its exit code
 * and the loop goes on. SIGTERM/SIGINT stop it at once.
 *
 * `sh loop.sh --matches` reads lines `minute hour day-of-month month day-of-week` on stdin and
 * prints 1 or 0 for each (whether any schedule matches), for tests and debugging.
 */
export function renderScheduleLoop(schedules: string[], command: string, options: ScheduleLoopOptions = {}): string {
    if (schedules.length === 0) throw new Error("schedule loop: at least one cron schedule is needed");
    const normalized = schedules.map((s) => {
        const problem = cronProblem(s);
        if (problem) throw new Error(`schedule loop: ${problem}`);
        return s.trim().split(/\s+/).join(" ");
    });
    if (command.trim() === "") throw new Error("schedule loop: the command is empty");
    const labels = normalized.map((_, i) => options.labels?.[i] ?? (i === 0 ? "full" : "incremental"));
    for (const l of labels) if (!/^[A-Za-z0-9_-]+$/.test(l)) throw new Error(`schedule loop: label '${l}' must be [A-Za-z0-9_-]`);
    const table = normalized.map((s, i) => `${labels[i]} ${s}`).join("\n");
    return [
        `#!/bin/sh`,
        `# tierform backup scheduler (generated by components/shared/backup-script.ts): runs the backup`,
        `# whenever the current minute matches one of these cron schedules (label, then 5 fields).`,
        `set -u`,
        ``,
        `SCHEDULES=${shq(table)}`,
        ``,
        `log() {`,
        `    printf '%s [scheduler] %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"`,
        `}`,
        ``,
        `# is_num VALUE: VALUE is a non-empty string of digits.`,
        `is_num() {`,
        `    case $1 in`,
        `        '' | *[!0-9]*) return 1 ;;`,
        `    esac`,
        `    return 0`,
        `}`,
        ``,
        `# dec VALUE: sets DEC to VALUE without leading zeros ("08" would be octal in $((...))).`,
        `dec() {`,
        `    DEC=$1`,
        `    while [ "\${#DEC}" -gt 1 ] && [ "\${DEC#0}" != "$DEC" ]; do DEC=\${DEC#0}; done`,
        `}`,
        ``,
        `# part_matches VALUE PART MIN MAX: one comma-separated part (*, n, a-b, */s, a-b/s, n/s).`,
        `part_matches() {`,
        `    pm_value=$1`,
        `    pm_part=$2`,
        `    pm_lo=$3`,
        `    pm_hi=$4`,
        `    pm_step=1`,
        `    case $pm_part in`,
        `        */*)`,
        `            pm_step=\${pm_part#*/}`,
        `            pm_part=\${pm_part%%/*}`,
        `            is_num "$pm_step" || return 1`,
        `            dec "$pm_step"`,
        `            pm_step=$DEC`,
        `            [ "$pm_step" -ge 1 ] || return 1`,
        `            ;;`,
        `    esac`,
        `    case $pm_part in`,
        `        '*') ;;`,
        `        *-*)`,
        `            is_num "\${pm_part%%-*}" && is_num "\${pm_part#*-}" || return 1`,
        `            dec "\${pm_part%%-*}"`,
        `            pm_lo=$DEC`,
        `            dec "\${pm_part#*-}"`,
        `            pm_hi=$DEC`,
        `            ;;`,
        `        *)`,
        `            is_num "$pm_part" || return 1`,
        `            dec "$pm_part"`,
        `            pm_lo=$DEC`,
        `            case $2 in`,
        `                */*) ;;`,
        `                *) pm_hi=$DEC ;;`,
        `            esac`,
        `            ;;`,
        `    esac`,
        `    [ "$pm_value" -ge "$pm_lo" ] && [ "$pm_value" -le "$pm_hi" ] && [ $(((pm_value - pm_lo) % pm_step)) -eq 0 ]`,
        `}`,
        ``,
        `# field_matches VALUE FIELD MIN MAX: any of the comma-separated parts matches.`,
        `field_matches() {`,
        `    fm_rest=$2,`,
        `    while [ -n "$fm_rest" ]; do`,
        `        fm_part=\${fm_rest%%,*}`,
        `        fm_rest=\${fm_rest#*,}`,
        `        if part_matches "$1" "$fm_part" "$3" "$4"; then return 0; fi`,
        `    done`,
        `    return 1`,
        `}`,
        ``,
        `# cron_matches "EXPR" MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK (decimal, day-of-week 0-6).`,
        `cron_matches() {`,
        `    read -r cm_mi cm_ho cm_dm cm_mo cm_dw <<EOF`,
        `$1`,
        `EOF`,
        `    field_matches "$2" "$cm_mi" 0 59 || return 1`,
        `    field_matches "$3" "$cm_ho" 0 23 || return 1`,
        `    field_matches "$4" "$cm_dm" 1 31 || return 1`,
        `    field_matches "$5" "$cm_mo" 1 12 || return 1`,
        `    if field_matches "$6" "$cm_dw" 0 7; then return 0; fi`,
        `    [ "$6" -eq 0 ] && field_matches 7 "$cm_dw" 0 7`,
        `}`,
        ``,
        `# matching_label MINUTE HOUR DAY-OF-MONTH MONTH DAY-OF-WEEK: sets LABEL to the first matching schedule's label.`,
        `matching_label() {`,
        `    LABEL=""`,
        `    while read -r ml_label ml_expr; do`,
        `        if cron_matches "$ml_expr" "$@"; then`,
        `            LABEL=$ml_label`,
        `            return 0`,
        `        fi`,
        `    done <<EOF`,
        `$SCHEDULES`,
        `EOF`,
        `    return 1`,
        `}`,
        ``,
        `if [ "\${1:-}" = "--matches" ]; then`,
        `    while read -r t_mi t_ho t_dm t_mo t_dw; do`,
        `        set --`,
        `        for t_v in "$t_mi" "$t_ho" "$t_dm" "$t_mo" "$t_dw"; do`,
        `            dec "$t_v"`,
        `            set -- "$@" "$DEC"`,
        `        done`,
        `        if matching_label "$@"; then echo 1; else echo 0; fi`,
        `    done`,
        `    exit 0`,
        `fi`,
        ``,
        `trap 'log "stopping"; exit 0' TERM INT`,
        `log "started; schedules (label minute hour day-of-month month day-of-week):"`,
        `printf '%s\\n' "$SCHEDULES"`,
        `LAST=""`,
        `while :; do`,
        `    read -r n_mi n_ho n_dm n_mo n_dw n_stamp <<EOF`,
        `$(date '+%M %H %d %m %w %Y-%m-%dT%H:%M')`,
        `EOF`,
        `    if [ "$n_stamp" != "$LAST" ]; then`,
        `        LAST=$n_stamp`,
        `        dec "$n_mi"`,
        `        n_mi=$DEC`,
        `        dec "$n_ho"`,
        `        n_ho=$DEC`,
        `        dec "$n_dm"`,
        `        n_dm=$DEC`,
        `        dec "$n_mo"`,
        `        n_mo=$DEC`,
        `        if matching_label "$n_mi" "$n_ho" "$n_dm" "$n_mo" "$n_dw"; then`,
        `            log "$n_stamp matches the $LABEL schedule: running"`,
        `            if (`,
        `                BACKUP_KIND=$LABEL`,
        `                export BACKUP_KIND`,
        `                ${command.trim().split("\n").join("\n                ")}`,
        `            ); then`,
        `                log "$LABEL run of $n_stamp succeeded"`,
        `            else`,
        `                log "ERROR: $LABEL run of $n_stamp FAILED with exit code $?"`,
        `            fi`,
        `        fi`,
        `    fi`,
        `    dec "$(date +%S)"`,
        `    sleep $((60 - DEC)) &`,
        `    wait $! || true`,
        `done`,
        ``,
    ].join("\n");
}
