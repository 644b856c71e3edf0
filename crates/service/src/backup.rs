//! Backup, restore and moving between databases (issue 7 §5): `htm backup FILE`, `htm restore
//! FILE`, `htm copy-db --from URL --to URL`.
//!
//! # The archive (format `openhtm-archive`, version 1)
//! One gzip-compressed file of UTF-8 lines (NDJSON):
//! 1. header: `{"format":"openhtm-archive","version":1,"schema_version":N,"created_at":"…","source_backend":"sqlite"}`
//! 2. per table, in foreign-key dependency order (ties by name):
//!    `{"table":"assets","columns":[{"name":"id","kind":"integer"},…]}` (columns sorted by name),
//!    then one JSON array per row in primary-key order, then
//!    `{"end":"assets","rows":N,"sha256":"…"}` — the SHA-256 of the table line and its row lines
//!    (each with its `\n`);
//! 3. trailer: `{"trailer":true,"tables":T,"rows":R,"sha256":"…"}` — the SHA-256 of every byte
//!    before it (so the header is covered too). Nothing may follow.
//!
//! Cells: `null`; integers (booleans as 0/1); reals; text (instants as RFC 3339 UTC text,
//! `2026-11-21T22:32:12Z`; dates `YYYY-MM-DD`); blobs as standard base64 text. See
//! `htm_store::backup` for how each back end's types map to these, so the same data gives the
//! same bytes from SQLite and from PostgreSQL.
//!
//! The header and trailer come first and last so a backup is written in one streaming pass (the
//! 1,000,000-asset database never sits in memory). A restore reads the file twice: first it checks
//! every table's SHA-256, the trailer and that every cell fits its column, writing nothing; only
//! then does it stream the rows into the target in one transaction.
//!
//! # The logical export
//! Two archives hold the same data when their **logical exports** are equal: the decompressed
//! lines minus the header (when and where it was written), the `end` lines and the trailer (their
//! hashes cover what is left out), the `audit_head` row (derived: the last event's `seq` and hash)
//! and the `restore`/`database` audit events that restores append. [`compare_archives`] compares
//! two archives this way; `tests/interop/check_backup.py` does the same independently.

use crate::permissions::Action;
use crate::{Principal, ServiceError, ServiceResult, Services};
use base64::Engine;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use htm_store::{ArchiveItem, ArchiveValue, Backend, ColumnKind, ColumnSpec, TableSpec};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::sync::mpsc;

pub const ARCHIVE_FORMAT: &str = "openhtm-archive";
pub const ARCHIVE_VERSION: i64 = 1;

/// Called with the number of rows moved so far (for a progress display).
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// One table as the archive recorded it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchivedTable {
    pub name: String,
    pub rows: u64,
    pub sha256: String,
}

/// What an archive holds (from a backup just written, or a checked file).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ArchiveInfo {
    pub schema_version: i64,
    pub created_at: String,
    pub source_backend: String,
    pub tables: Vec<ArchivedTable>,
    pub rows: u64,
    /// SHA-256 of the uncompressed content before the trailer.
    pub content_sha256: String,
    /// SHA-256 of the file as stored (compressed).
    pub file_sha256: String,
    pub file_bytes: u64,
}

/// What a restore or a copy did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestoreReport {
    pub tables: u64,
    pub rows: u64,
    /// Events in the target's audit chain, verified after the restore (the restore's own event included).
    pub audit_events_verified: u64,
}

fn backend_name(b: Backend) -> &'static str {
    match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

fn corrupt(path: &Path, line: u64, why: impl std::fmt::Display) -> ServiceError {
    ServiceError::Integrity(format!(
        "{} is not an intact OpenHTM archive (line {line}): {why}; nothing was restored",
        path.display()
    ))
}

fn io_err(path: &Path, e: std::io::Error) -> ServiceError {
    ServiceError::Internal(format!("{}: {e}", path.display()))
}

fn joined<T>(r: Result<T, tokio::task::JoinError>) -> ServiceResult<T> {
    r.map_err(|e| ServiceError::Internal(format!("background task failed: {e}")))
}

// ---------------------------------------------------------------------------------------------
// Encoding

fn encode_value(v: &ArchiveValue, out: &mut String) -> Result<(), String> {
    match v {
        ArchiveValue::Null => out.push_str("null"),
        ArchiveValue::Int(i) => out.push_str(&i.to_string()),
        ArchiveValue::Real(f) => {
            if !f.is_finite() {
                return Err(format!("the real value {f} cannot be archived"));
            }
            out.push_str(&serde_json::to_string(f).map_err(|e| e.to_string())?)
        }
        ArchiveValue::Text(s) => out.push_str(&serde_json::to_string(s).map_err(|e| e.to_string())?),
        ArchiveValue::Blob(b) => {
            out.push('"');
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push('"');
        }
    }
    Ok(())
}

fn encode_row(row: &[ArchiveValue]) -> Result<String, String> {
    let mut s = String::with_capacity(row.len() * 12 + 2);
    s.push('[');
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        encode_value(v, &mut s)?;
    }
    s.push_str("]\n");
    Ok(s)
}

fn table_line(t: &TableSpec) -> String {
    let cols: Vec<Value> =
        t.columns.iter().map(|c| serde_json::json!({"name": c.name, "kind": c.kind.as_str()})).collect();
    format!("{}\n", serde_json::json!({"table": t.name, "columns": cols}))
}

/// A writer that hashes what passes through it.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the archive from the snapshot stream (a blocking thread). Writes `FILE.partial` and
/// renames it when complete, so a killed backup never leaves a file that looks whole.
fn write_archive(
    path: &Path,
    mut rx: mpsc::Receiver<ArchiveItem>,
    created_at: String,
    progress: Option<Progress>,
) -> ServiceResult<ArchiveInfo> {
    let partial = PathBuf::from(format!("{}.partial", path.display()));
    let file = std::fs::File::create(&partial).map_err(|e| io_err(&partial, e))?;
    let file = Hashing { inner: BufWriter::with_capacity(1 << 20, file), hash: Sha256::new(), bytes: 0 };
    let mut gz = GzEncoder::new(file, Compression::new(6));
    let mut content = Sha256::new();
    let mut info = ArchiveInfo {
        schema_version: 0,
        created_at,
        source_backend: String::new(),
        tables: Vec::new(),
        rows: 0,
        content_sha256: String::new(),
        file_sha256: String::new(),
        file_bytes: 0,
    };
    let mut table: Option<(String, Sha256, u64)> = None;
    let io = |e: std::io::Error| io_err(&partial, e);
    let put = |gz: &mut GzEncoder<_>, content: &mut Sha256, s: &str| -> ServiceResult<()> {
        content.update(s.as_bytes());
        gz.write_all(s.as_bytes()).map_err(io)
    };
    let mut finished = false;
    while let Some(item) = rx.blocking_recv() {
        match item {
            ArchiveItem::Start { schema_version, backend } => {
                info.schema_version = schema_version;
                info.source_backend = backend_name(backend).to_string();
                let header = serde_json::json!({
                    "format": ARCHIVE_FORMAT,
                    "version": ARCHIVE_VERSION,
                    "schema_version": schema_version,
                    "created_at": info.created_at,
                    "source_backend": info.source_backend,
                });
                put(&mut gz, &mut content, &format!("{header}\n"))?;
            }
            ArchiveItem::Table(spec) => {
                let line = table_line(&spec);
                let mut h = Sha256::new();
                h.update(line.as_bytes());
                put(&mut gz, &mut content, &line)?;
                table = Some((spec.name, h, 0));
            }
            ArchiveItem::Rows(rows) => {
                let Some((name, h, n)) = table.as_mut() else {
                    return Err(ServiceError::Internal("rows outside a table".into()));
                };
                let mut buf = String::with_capacity(rows.len() * 128);
                for r in &rows {
                    buf.push_str(&encode_row(r).map_err(|e| ServiceError::Internal(format!("{name}: {e}")))?);
                }
                h.update(buf.as_bytes());
                *n += rows.len() as u64;
                info.rows += rows.len() as u64;
                put(&mut gz, &mut content, &buf)?;
                if let Some(p) = &progress {
                    p(info.rows);
                }
            }
            ArchiveItem::EndTable => {
                let Some((name, h, n)) = table.take() else {
                    return Err(ServiceError::Internal("end of a table outside a table".into()));
                };
                let sha = hex::encode(h.finalize());
                let line = serde_json::json!({"end": name, "rows": n, "sha256": sha});
                put(&mut gz, &mut content, &format!("{line}\n"))?;
                info.tables.push(ArchivedTable { name, rows: n, sha256: sha });
            }
            ArchiveItem::End => {
                finished = true;
                break;
            }
        }
    }
    if !finished {
        drop(gz);
        let _ = std::fs::remove_file(&partial);
        return Err(ServiceError::Internal("the database snapshot stopped before its end".into()));
    }
    info.content_sha256 = hex::encode(content.clone().finalize());
    let trailer = serde_json::json!({
        "trailer": true,
        "tables": info.tables.len(),
        "rows": info.rows,
        "sha256": info.content_sha256,
    });
    gz.write_all(format!("{trailer}\n").as_bytes()).map_err(io)?;
    let mut file = gz.finish().map_err(io)?;
    file.flush().map_err(io)?;
    info.file_sha256 = hex::encode(file.hash.finalize());
    info.file_bytes = file.bytes;
    let inner = file.inner.into_inner().map_err(|e| io(e.into_error()))?;
    inner.sync_all().map_err(io)?;
    drop(inner);
    std::fs::rename(&partial, path).map_err(|e| io_err(path, e))?;
    Ok(info)
}

// ---------------------------------------------------------------------------------------------
// Decoding

fn decode_value(v: &Value, c: &ColumnSpec) -> Result<ArchiveValue, String> {
    if v.is_null() {
        return Ok(ArchiveValue::Null);
    }
    let bad = || format!("column {}: {v} is not a {} value", c.name, c.kind.as_str());
    Ok(match c.kind {
        ColumnKind::Integer => ArchiveValue::Int(v.as_i64().ok_or_else(bad)?),
        ColumnKind::Real => ArchiveValue::Real(v.as_f64().ok_or_else(bad)?),
        ColumnKind::Text => ArchiveValue::Text(v.as_str().ok_or_else(bad)?.to_string()),
        ColumnKind::Blob => ArchiveValue::Blob(
            base64::engine::general_purpose::STANDARD.decode(v.as_str().ok_or_else(bad)?).map_err(|_| bad())?,
        ),
    })
}

fn parse_table_line(v: &Value) -> Option<TableSpec> {
    let name = v.get("table")?.as_str()?.to_string();
    let mut columns = Vec::new();
    for c in v.get("columns")?.as_array()? {
        columns.push(ColumnSpec {
            name: c.get("name")?.as_str()?.to_string(),
            kind: ColumnKind::parse(c.get("kind")?.as_str()?)?,
        });
    }
    Some(TableSpec { name, columns })
}

/// A reader that hashes what passes through it.
struct HashingReader<R> {
    inner: R,
    hash: Sha256,
    bytes: u64,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
}

/// Reads and checks a whole archive. With `out`, also sends its content as a snapshot stream
/// (the caller has checked it once already; any fault still stops the stream before `End`, so
/// the restore rolls back).
fn read_archive(path: &Path, out: Option<&mpsc::Sender<ArchiveItem>>) -> ServiceResult<ArchiveInfo> {
    let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
    let mut hashing = HashingReader { inner: file, hash: Sha256::new(), bytes: 0 };
    let info = {
        let mut reader = BufReader::with_capacity(1 << 20, GzDecoder::new(&mut hashing));
        read_lines(path, &mut reader, out)?
    };
    // Read to the end of the file so the file hash covers it all.
    std::io::copy(&mut hashing, &mut std::io::sink()).map_err(|e| io_err(path, e))?;
    Ok(ArchiveInfo { file_sha256: hex::encode(hashing.hash.finalize()), file_bytes: hashing.bytes, ..info })
}

fn read_lines(
    path: &Path,
    reader: &mut impl BufRead,
    out: Option<&mpsc::Sender<ArchiveItem>>,
) -> ServiceResult<ArchiveInfo> {
    let send = |item: ArchiveItem| -> ServiceResult<()> {
        match out {
            Some(tx) => tx.blocking_send(item).map_err(|_| ServiceError::Internal("the restore stopped".into())),
            None => Ok(()),
        }
    };
    let mut line = String::new();
    let mut n: u64 = 0;
    let mut content = Sha256::new();
    let mut next = |line: &mut String, n: &mut u64| -> ServiceResult<bool> {
        line.clear();
        let got = reader.read_line(line).map_err(|e| corrupt(path, *n + 1, e))?;
        *n += 1;
        Ok(got > 0)
    };
    if !next(&mut line, &mut n)? {
        return Err(corrupt(path, n, "the file is empty"));
    }
    let header: Value = serde_json::from_str(&line).map_err(|e| corrupt(path, n, e))?;
    if header.get("format").and_then(Value::as_str) != Some(ARCHIVE_FORMAT) {
        return Err(corrupt(path, n, "no openhtm-archive header"));
    }
    if header.get("version").and_then(Value::as_i64) != Some(ARCHIVE_VERSION) {
        return Err(corrupt(path, n, format!("archive format version {} is not supported", header["version"])));
    }
    let schema_version =
        header.get("schema_version").and_then(Value::as_i64).ok_or_else(|| corrupt(path, n, "no schema_version"))?;
    let source_backend = header.get("source_backend").and_then(Value::as_str).unwrap_or_default().to_string();
    let backend = match source_backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => return Err(corrupt(path, n, format!("unknown source_backend '{other}'"))),
    };
    let mut info = ArchiveInfo {
        schema_version,
        created_at: header.get("created_at").and_then(Value::as_str).unwrap_or_default().to_string(),
        source_backend,
        tables: Vec::new(),
        rows: 0,
        content_sha256: String::new(),
        file_sha256: String::new(),
        file_bytes: 0,
    };
    content.update(line.as_bytes());
    send(ArchiveItem::Start { schema_version, backend })?;
    let mut table: Option<(TableSpec, Sha256, u64)> = None;
    let mut batch: Vec<Vec<ArchiveValue>> = Vec::new();
    loop {
        if !next(&mut line, &mut n)? {
            return Err(corrupt(path, n, "the archive ends without its trailer (truncated?)"));
        }
        if let Some((spec, h, count)) = table.as_mut()
            && line.starts_with('[')
        {
            {
                let cells: Vec<Value> = serde_json::from_str(&line).map_err(|e| corrupt(path, n, e))?;
                if cells.len() != spec.columns.len() {
                    return Err(corrupt(path, n, format!("{}: a row of {} cells", spec.name, cells.len())));
                }
                let mut row = Vec::with_capacity(cells.len());
                for (v, c) in cells.iter().zip(&spec.columns) {
                    row.push(decode_value(v, c).map_err(|e| corrupt(path, n, format!("{}: {e}", spec.name)))?);
                }
                h.update(line.as_bytes());
                content.update(line.as_bytes());
                *count += 1;
                if out.is_some() {
                    batch.push(row);
                    if batch.len() == htm_store::ARCHIVE_BATCH {
                        send(ArchiveItem::Rows(std::mem::take(&mut batch)))?;
                    }
                }
                continue;
            }
        }
        let v: Value = serde_json::from_str(&line).map_err(|e| corrupt(path, n, e))?;
        if let Some(end) = v.get("end").and_then(Value::as_str) {
            let Some((spec, h, count)) = table.take() else {
                return Err(corrupt(path, n, "an end line outside a table"));
            };
            let sha = hex::encode(h.finalize());
            if end != spec.name
                || v.get("rows").and_then(Value::as_u64) != Some(count)
                || v.get("sha256").and_then(Value::as_str) != Some(sha.as_str())
            {
                return Err(corrupt(
                    path,
                    n,
                    format!("table {} does not match its recorded row count and SHA-256", spec.name),
                ));
            }
            content.update(line.as_bytes());
            if !batch.is_empty() {
                send(ArchiveItem::Rows(std::mem::take(&mut batch)))?;
            }
            send(ArchiveItem::EndTable)?;
            info.rows += count;
            info.tables.push(ArchivedTable { name: spec.name, rows: count, sha256: sha });
        } else if table.is_some() {
            return Err(corrupt(path, n, "a line that is neither a row nor the table's end"));
        } else if let Some(spec) = parse_table_line(&v) {
            let mut h = Sha256::new();
            h.update(line.as_bytes());
            content.update(line.as_bytes());
            send(ArchiveItem::Table(spec.clone()))?;
            table = Some((spec, h, 0));
        } else if v.get("trailer").and_then(Value::as_bool) == Some(true) {
            let sha = hex::encode(content.clone().finalize());
            if v.get("sha256").and_then(Value::as_str) != Some(sha.as_str())
                || v.get("rows").and_then(Value::as_u64) != Some(info.rows)
                || v.get("tables").and_then(Value::as_u64) != Some(info.tables.len() as u64)
            {
                return Err(corrupt(path, n, "the trailer does not match the content"));
            }
            info.content_sha256 = sha;
            if next(&mut line, &mut n)? {
                return Err(corrupt(path, n, "data after the trailer"));
            }
            send(ArchiveItem::End)?;
            return Ok(info);
        } else {
            return Err(corrupt(path, n, "an unexpected line"));
        }
    }
}

/// Checks a whole archive (every table's SHA-256, the trailer, every cell) without writing.
pub async fn verify_archive(path: &Path) -> ServiceResult<ArchiveInfo> {
    let path = path.to_path_buf();
    joined(tokio::task::spawn_blocking(move || read_archive(&path, None)).await)?
}

// ---------------------------------------------------------------------------------------------
// The logical export

/// Streams an archive's logical export (see the module documentation), line by line.
struct LogicalLines {
    reader: Box<dyn BufRead + Send>,
    /// (action column, entity_type column) while inside `audit_events`.
    audit_cols: Option<(usize, usize)>,
    skip_table: bool,
    in_table: bool,
}

impl LogicalLines {
    fn open(path: &Path) -> ServiceResult<Self> {
        let file = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
        let mut reader: Box<dyn BufRead + Send> = Box::new(BufReader::new(GzDecoder::new(file)));
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| io_err(path, e))?;
        Ok(LogicalLines { reader, audit_cols: None, skip_table: false, in_table: false })
    }

    fn next_line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = String::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Ok(None);
            }
            if self.in_table && line.starts_with('[') {
                if self.skip_table {
                    continue;
                }
                if let Some((a, e)) = self.audit_cols {
                    let cells: Vec<Value> = serde_json::from_str(&line).map_err(std::io::Error::other)?;
                    if cells.get(a).and_then(Value::as_str) == Some(htm_store::RESTORE_ACTION)
                        && cells.get(e).and_then(Value::as_str) == Some(htm_store::RESTORE_ENTITY)
                    {
                        continue;
                    }
                }
                return Ok(Some(line));
            }
            let v: Value = serde_json::from_str(&line).map_err(std::io::Error::other)?;
            if v.get("end").is_some() {
                self.in_table = false;
                self.audit_cols = None;
                self.skip_table = false;
                continue;
            }
            if v.get("trailer").is_some() {
                continue;
            }
            let spec = parse_table_line(&v).ok_or_else(|| std::io::Error::other("an unexpected line"))?;
            self.in_table = true;
            self.skip_table = spec.name == "audit_head";
            if spec.name == "audit_events" {
                let pos = |n: &str| spec.columns.iter().position(|c| c.name == n);
                self.audit_cols = pos("action").zip(pos("entity_type"));
            }
            return Ok(Some(line));
        }
    }
}

/// Compares two archives' logical exports; `None` when equal, else where they first differ.
pub async fn compare_archives(a: &Path, b: &Path) -> ServiceResult<Option<String>> {
    let (a, b) = (a.to_path_buf(), b.to_path_buf());
    joined(
        tokio::task::spawn_blocking(move || -> ServiceResult<Option<String>> {
            let mut la = LogicalLines::open(&a)?;
            let mut lb = LogicalLines::open(&b)?;
            let mut n: u64 = 0;
            loop {
                n += 1;
                let x = la.next_line().map_err(|e| io_err(&a, e))?;
                let y = lb.next_line().map_err(|e| io_err(&b, e))?;
                match (x, y) {
                    (None, None) => return Ok(None),
                    (x, y) if x == y => {}
                    (x, y) => {
                        let cut = |s: Option<String>| {
                            s.map(|s| s.trim_end().chars().take(300).collect::<String>())
                                .unwrap_or_else(|| "(end)".into())
                        };
                        return Ok(Some(format!("logical line {n} differs:\n  {}\n  {}", cut(x), cut(y))));
                    }
                }
            }
        })
        .await,
    )?
}

// ---------------------------------------------------------------------------------------------
// Use cases

impl Services {
    /// Writes a consistent archive of the whole database to `path` while the server may keep
    /// writing (one read snapshot). Administrators only.
    pub async fn backup_to_file(
        &self,
        p: &Principal,
        path: &Path,
        progress: Option<Progress>,
    ) -> ServiceResult<ArchiveInfo> {
        p.require(Action::BackupRestore)?;
        let (tx, rx) = mpsc::channel(8);
        let created_at = htm_domain::audit::format_instant(self.now());
        let out = path.to_path_buf();
        let writer = tokio::task::spawn_blocking(move || write_archive(&out, rx, created_at, progress));
        let exported = self.store.export_snapshot(tx).await;
        let written = joined(writer.await)?;
        exported?;
        written
    }

    /// Restores an archive into this (empty, migrated) database: checks the whole file first,
    /// then loads it in one transaction, appends a `restore` audit event naming the file and its
    /// SHA-256 after the restored chain, and verifies the chain. Administrators only.
    pub async fn restore_from_file(
        &self,
        p: &Principal,
        path: &Path,
        progress: Option<Progress>,
    ) -> ServiceResult<RestoreReport> {
        p.require(Action::BackupRestore)?;
        let info = verify_archive(path).await?;
        let mine = self.store.schema_version().await?;
        if info.schema_version != mine {
            return Err(ServiceError::Conflict {
                field: "archive".into(),
                message: format!(
                    "{} is of schema version {} but this database is at version {mine}: restore it with the OpenHTM \
                     release that wrote it (then upgrade), or back up again with this one",
                    path.display(),
                    info.schema_version
                ),
            });
        }
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let after = serde_json::json!({
            "archive": name,
            "sha256": info.file_sha256,
            "content_sha256": info.content_sha256,
            "created_at": info.created_at,
            "source_backend": info.source_backend,
            "schema_version": info.schema_version,
            "rows": info.rows,
        });
        let reason = format!("restored from archive {name} sha256 {}", info.file_sha256);
        let (tx, rx) = mpsc::channel(8);
        let src = path.to_path_buf();
        let reader = tokio::task::spawn_blocking(move || {
            let r = read_archive(&src, Some(&tx));
            if let (Some(p), Ok(i)) = (&progress, &r) {
                p(i.rows);
            }
            r
        });
        let restored = self.restore_stream(p, rx, reason, after).await;
        let read = joined(reader.await)?;
        let report = restored?;
        read?;
        Ok(report)
    }

    /// Moves everything from this database into `target` (an empty, migrated database, maybe of
    /// the other back end): the snapshot stream is piped straight into the restore, no file.
    pub async fn copy_database_to(
        &self,
        p: &Principal,
        target: &Services,
        from_label: &str,
        progress: Option<Progress>,
    ) -> ServiceResult<RestoreReport> {
        p.require(Action::BackupRestore)?;
        let (tx, mut rx) = mpsc::channel::<ArchiveItem>(8);
        let (tx2, rx2) = mpsc::channel::<ArchiveItem>(8);
        // Count rows on the way through for the progress display and the audit event.
        let relay = tokio::spawn(async move {
            let mut rows: u64 = 0;
            while let Some(item) = rx.recv().await {
                if let ArchiveItem::Rows(r) = &item {
                    rows += r.len() as u64;
                    if let Some(p) = &progress {
                        p(rows);
                    }
                }
                if tx2.send(item).await.is_err() {
                    break;
                }
            }
        });
        let after = serde_json::json!({
            "copied_from": from_label,
            "source_backend": backend_name(self.store.backend()),
            "schema_version": self.store.schema_version().await?,
        });
        let reason = format!("copied from {from_label} by copy-db");
        let (exported, restored) =
            tokio::join!(self.store.export_snapshot(tx), target.restore_stream(p, rx2, reason, after));
        let _ = relay.await;
        let report = restored?;
        exported?;
        Ok(report)
    }

    async fn restore_stream(
        &self,
        p: &Principal,
        rx: mpsc::Receiver<ArchiveItem>,
        reason: String,
        after: Value,
    ) -> ServiceResult<RestoreReport> {
        let ctx = self.ctx(p, Some(reason));
        let after = htm_domain::audit::canonical_json(&after);
        let counts = self.store.restore_snapshot(rx, &ctx, after).await?;
        self.store.refresh_statistics().await?;
        let audit_events_verified = match self.store.verify_audit_chain().await? {
            Ok(n) => n,
            Err(b) => {
                return Err(ServiceError::Integrity(format!("after the restore the audit chain is broken at {b}")));
            }
        };
        Ok(RestoreReport { tables: counts.tables, rows: counts.rows, audit_events_verified })
    }
}
