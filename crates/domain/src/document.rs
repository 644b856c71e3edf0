//! Documents attached to device models, assets and work orders: service manuals, vendor service
//! reports, photos, certificates. The content is stored once per SHA-256 (content-addressed);
//! a document is never deleted, only marked removed with a reason.
//!
//! What may be uploaded is decided here, from the bytes alone — never from the file name or the
//! content type the client claims. The allow-list:
//!
//! | detected | media type | how |
//! |---|---|---|
//! | PDF | `application/pdf` | starts with `%PDF-` |
//! | PNG | `image/png` | the 8-byte PNG signature |
//! | JPEG | `image/jpeg` | starts with `FF D8 FF` |
//! | WebP | `image/webp` | `RIFF` … `WEBP` |
//! | Word document (DOCX) | `application/vnd.openxmlformats-officedocument.wordprocessingml.document` | a ZIP whose central directory lists `[Content_Types].xml` and `word/document.xml`, and no `vbaProject.bin` |
//! | Excel workbook (XLSX) | `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` | the same with `xl/workbook.xml` |
//! | CSV | `text/csv` | valid UTF-8 text (below) with a `.csv` file name |
//! | plain text | `text/plain` | valid UTF-8, no NUL or other binary control characters, not markup, not a script |
//!
//! Everything else is refused and the refusal names what was detected: executables (ELF, PE,
//! Mach-O), scripts (`#!`), HTML, SVG and XML (they run script in a browser), GIF, TIFF, HEIC,
//! archives, legacy (OLE2) and macro-enabled Office files. The check is a small hand-written
//! magic-byte table rather than a crate such as `infer`: the allow-list is eight types, we need
//! to *refuse* the long tail anyway, and the two checks a generic sniffer does loosely (that
//! text is really text and not markup, and that a ZIP really is an Office document without
//! macros) are the ones that matter here.
//!
//! Photos cannot be scanned for patient information: people must not photograph patients.

use crate::DomainError;
use crate::ids::{AssetId, ModelId, WorkOrderId};
use crate::text_enum;
use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The default largest upload: 25 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;
/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest file name kept, in characters.
pub const MAX_FILENAME_CHARS: usize = 180;
/// The longest removal reason, in characters.
pub const MAX_REASON_CHARS: usize = 1000;

text_enum!(
    /// What a document is.
    DocumentKind, "kind" {
        ServiceManual => "service_manual": "Service manual",
        ServiceReport => "service_report": "Service report",
        Photo => "photo": "Photo",
        Certificate => "certificate": "Certificate",
        Other => "other": "Other",
    }
);

/// What a document is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", tag = "entity_type", content = "entity_id")]
pub enum DocumentEntity {
    Model(ModelId),
    Asset(AssetId),
    WorkOrder(WorkOrderId),
}

impl DocumentEntity {
    /// The stored `entity_type`: `model`, `asset` or `work_order`.
    pub fn entity_type(self) -> &'static str {
        match self {
            DocumentEntity::Model(_) => "model",
            DocumentEntity::Asset(_) => "asset",
            DocumentEntity::WorkOrder(_) => "work_order",
        }
    }

    pub fn id(self) -> i64 {
        match self {
            DocumentEntity::Model(m) => m.0,
            DocumentEntity::Asset(a) => a.0,
            DocumentEntity::WorkOrder(w) => w.0,
        }
    }

    /// From the stored pair.
    pub fn from_parts(entity_type: &str, id: i64) -> Result<Self, DomainError> {
        match entity_type {
            "model" => Ok(DocumentEntity::Model(ModelId(id))),
            "asset" => Ok(DocumentEntity::Asset(AssetId(id))),
            "work_order" => Ok(DocumentEntity::WorkOrder(WorkOrderId(id))),
            other => Err(DomainError::field("entity_type", format!("'{other}' is not model, asset or work_order"))),
        }
    }
}

/// A content type the allow-list accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaType {
    Pdf,
    Png,
    Jpeg,
    Webp,
    Docx,
    Xlsx,
    Csv,
    PlainText,
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl MediaType {
    pub const ALL: &'static [MediaType] = &[
        MediaType::Pdf,
        MediaType::Png,
        MediaType::Jpeg,
        MediaType::Webp,
        MediaType::Docx,
        MediaType::Xlsx,
        MediaType::Csv,
        MediaType::PlainText,
    ];

    /// The MIME type stored and served.
    pub fn as_str(self) -> &'static str {
        match self {
            MediaType::Pdf => "application/pdf",
            MediaType::Png => "image/png",
            MediaType::Jpeg => "image/jpeg",
            MediaType::Webp => "image/webp",
            MediaType::Docx => DOCX,
            MediaType::Xlsx => XLSX,
            MediaType::Csv => "text/csv",
            MediaType::PlainText => "text/plain",
        }
    }

    /// A short name for people.
    pub fn label(self) -> &'static str {
        match self {
            MediaType::Pdf => "PDF",
            MediaType::Png => "PNG image",
            MediaType::Jpeg => "JPEG image",
            MediaType::Webp => "WebP image",
            MediaType::Docx => "Word document",
            MediaType::Xlsx => "Excel workbook",
            MediaType::Csv => "CSV",
            MediaType::PlainText => "plain text",
        }
    }

    pub fn parse(s: &str) -> Option<MediaType> {
        MediaType::ALL.iter().copied().find(|m| m.as_str() == s)
    }

    /// Images are shown inline; everything else is served as an attachment.
    pub fn is_image(self) -> bool {
        matches!(self, MediaType::Png | MediaType::Jpeg | MediaType::Webp)
    }

    /// `text/plain; charset=utf-8` for text, else the bare type: what `Content-Type` says.
    pub fn content_type(self) -> String {
        match self {
            MediaType::Csv | MediaType::PlainText => format!("{}; charset=utf-8", self.as_str()),
            m => m.as_str().to_string(),
        }
    }
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadRefusal {
    #[error("the file is empty")]
    Empty,
    #[error("the file is {size} bytes; the largest accepted is {max} bytes ({} MiB)", max / (1024 * 1024))]
    TooLarge { size: u64, max: u64 },
    /// `detected` names what the bytes look like.
    #[error(
        "{detected} files are not accepted; upload a PDF, PNG, JPEG or WebP image, plain text or CSV, or a Word or Excel (DOCX/XLSX) document"
    )]
    Unsupported { detected: String },
}

/// Checks an upload against the size limit and the allow-list, returning its media type.
/// `filename` only chooses between CSV and plain text for text content.
pub fn check_upload(bytes: &[u8], filename: &str, max_bytes: u64) -> Result<MediaType, UploadRefusal> {
    if bytes.is_empty() {
        return Err(UploadRefusal::Empty);
    }
    let size = bytes.len() as u64;
    if size > max_bytes {
        return Err(UploadRefusal::TooLarge { size, max: max_bytes });
    }
    sniff(bytes, filename)
}

fn refuse(what: &str) -> Result<MediaType, UploadRefusal> {
    Err(UploadRefusal::Unsupported { detected: what.to_string() })
}

/// Decides the type from the leading bytes (see the module table).
pub fn sniff(b: &[u8], filename: &str) -> Result<MediaType, UploadRefusal> {
    let starts = |m: &[u8]| b.starts_with(m);
    if starts(b"%PDF-") {
        return Ok(MediaType::Pdf);
    }
    if starts(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        return Ok(MediaType::Png);
    }
    if starts(&[0xFF, 0xD8, 0xFF]) {
        return Ok(MediaType::Jpeg);
    }
    if b.len() >= 12 && starts(b"RIFF") && &b[8..12] == b"WEBP" {
        return Ok(MediaType::Webp);
    }
    if starts(b"PK\x03\x04") {
        return sniff_zip(b);
    }
    // Known binary formats, refused by name.
    let named: &[(&[u8], &str)] = &[
        (b"\x7fELF", "ELF executable"),
        (&[0xFE, 0xED, 0xFA, 0xCE], "Mach-O executable"),
        (&[0xFE, 0xED, 0xFA, 0xCF], "Mach-O executable"),
        (&[0xCE, 0xFA, 0xED, 0xFE], "Mach-O executable"),
        (&[0xCF, 0xFA, 0xED, 0xFE], "Mach-O executable"),
        (&[0xCA, 0xFE, 0xBA, 0xBE], "Mach-O universal binary or Java class"),
        (b"\0asm", "WebAssembly module"),
        (b"GIF87a", "GIF image"),
        (b"GIF89a", "GIF image"),
        (b"II*\0", "TIFF image"),
        (b"MM\0*", "TIFF image"),
        (&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "legacy Office (OLE2: .doc/.xls/.msi)"),
        (&[0x1F, 0x8B], "gzip archive"),
        (b"7z\xBC\xAF\x27\x1C", "7-Zip archive"),
        (b"Rar!", "RAR archive"),
        (b"PK\x05\x06", "empty ZIP archive"),
        (b"{\\rtf", "RTF document"),
    ];
    for (magic, what) in named {
        if starts(magic) {
            return refuse(what);
        }
    }
    if b.len() >= 12 && &b[4..8] == b"ftyp" {
        let brand = &b[8..12];
        let what = if brand.starts_with(b"hei") || brand.starts_with(b"mif1") || brand == b"heix" {
            "HEIC/HEIF image"
        } else {
            "MP4/QuickTime video"
        };
        return refuse(what);
    }
    sniff_text(b, filename)
}

/// Text: valid UTF-8 without NUL or binary control characters, not markup, not a script.
fn sniff_text(b: &[u8], filename: &str) -> Result<MediaType, UploadRefusal> {
    // A PE file starts with `MZ`, which text may too: it is an executable when it is not text.
    let binary = || refuse(if b.starts_with(b"MZ") { "Windows executable (PE/MZ)" } else { "binary (unrecognised)" });
    let Ok(text) = std::str::from_utf8(b) else { return binary() };
    if text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0C}')) {
        return binary();
    }
    let body = text.trim_start_matches('\u{FEFF}').trim_start();
    if body.starts_with("#!") {
        return refuse("script (#!)");
    }
    let head: String = body.chars().take(1024).collect::<String>().to_ascii_lowercase();
    if head.contains("<svg") {
        return refuse("SVG image");
    }
    if head.starts_with("<!doctype html")
        || head.contains("<html")
        || head.contains("<script")
        || head.contains("<iframe")
        || head.contains("<body")
    {
        return refuse("HTML");
    }
    if head.starts_with("<?xml") || head.starts_with('<') {
        return refuse("XML/markup");
    }
    let is_csv =
        filename.rsplit('.').next().is_some_and(|ext| ext.eq_ignore_ascii_case("csv")) && filename.contains('.');
    Ok(if is_csv { MediaType::Csv } else { MediaType::PlainText })
}

/// A ZIP is accepted only as an Office Open XML document (DOCX/XLSX) without macros, judged
/// from its central directory's file names.
fn sniff_zip(b: &[u8]) -> Result<MediaType, UploadRefusal> {
    let Some(names) = zip_names(b) else { return refuse("damaged ZIP archive") };
    let has = |n: &str| names.iter().any(|x| x == n);
    if !has("[Content_Types].xml") {
        return refuse("ZIP archive");
    }
    if names.iter().any(|n| n.to_ascii_lowercase().ends_with("vbaproject.bin")) {
        return refuse("macro-enabled Office document");
    }
    if has("word/document.xml") {
        return Ok(MediaType::Docx);
    }
    if has("xl/workbook.xml") {
        return Ok(MediaType::Xlsx);
    }
    refuse("Office Open XML package other than DOCX/XLSX")
}

fn u16_at(b: &[u8], i: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes([*b.get(i)?, *b.get(i + 1)?])))
}

fn u32_at(b: &[u8], i: usize) -> Option<usize> {
    usize::try_from(u32::from_le_bytes([*b.get(i)?, *b.get(i + 1)?, *b.get(i + 2)?, *b.get(i + 3)?])).ok()
}

/// The file names in a ZIP's central directory (None: no valid end record or directory).
fn zip_names(b: &[u8]) -> Option<Vec<String>> {
    // The end-of-central-directory record is in the last 22 + 65,535 (comment) bytes.
    let lowest = b.len().saturating_sub(22 + 65_535);
    let eocd = (lowest..=b.len().checked_sub(22)?).rev().find(|&i| b[i..].starts_with(b"PK\x05\x06"))?;
    let count = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    let mut names = Vec::with_capacity(count.min(10_000));
    for _ in 0..count.min(10_000) {
        if !b.get(at..)?.starts_with(b"PK\x01\x02") {
            return None;
        }
        let (name_len, extra_len, comment_len) = (u16_at(b, at + 28)?, u16_at(b, at + 30)?, u16_at(b, at + 32)?);
        let name = b.get(at + 46..at + 46 + name_len)?;
        names.push(String::from_utf8_lossy(name).into_owned());
        at += 46 + name_len + extra_len + comment_len;
    }
    Some(names)
}

/// The lowercase hex SHA-256 of the content: its address.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A file name safe to store and to put in `Content-Disposition`: the last path component,
/// without control characters, quotes or path separators, at most [`MAX_FILENAME_CHARS`]
/// (keeping the extension). Empty input gives `document`.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | ':' | '*' | '?' | '<' | '>' | '|'))
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    if cleaned.is_empty() {
        return "document".into();
    }
    if cleaned.chars().count() <= MAX_FILENAME_CHARS {
        return cleaned;
    }
    let (stem, ext) = match cleaned.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() && e.chars().count() <= 10 => (s.to_string(), format!(".{e}")),
        _ => (cleaned.clone(), String::new()),
    };
    let keep = MAX_FILENAME_CHARS - ext.chars().count();
    format!("{}{ext}", stem.chars().take(keep).collect::<String>())
}

/// The title: trimmed, control characters turned into spaces; empty falls back to the file
/// name. Longer than [`MAX_TITLE_CHARS`] is refused.
pub fn clean_title(raw: &str, filename: &str) -> Result<String, DomainError> {
    let t: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    let t = if t.is_empty() { filename.to_string() } else { t };
    if t.chars().count() > MAX_TITLE_CHARS {
        return Err(DomainError::field("title", format!("at most {MAX_TITLE_CHARS} characters")));
    }
    Ok(t)
}

/// The reason a document is removed: required, at most [`MAX_REASON_CHARS`].
pub fn clean_reason(raw: &str) -> Result<String, DomainError> {
    let r = raw.trim();
    if r.is_empty() {
        return Err(DomainError::field("reason", "say why the document is removed: the record keeps it"));
    }
    if r.chars().count() > MAX_REASON_CHARS {
        return Err(DomainError::field("reason", format!("at most {MAX_REASON_CHARS} characters")));
    }
    Ok(r.to_string())
}

/// A document to attach, checked (see [`check_upload`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDocument {
    pub entity: DocumentEntity,
    pub kind: DocumentKind,
    pub title: String,
    pub filename: String,
    /// Lowercase hex SHA-256 of `content`.
    pub sha256: String,
    pub media_type: MediaType,
    pub content: Vec<u8>,
}

/// One attached document (its metadata; the content is fetched separately).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Document {
    pub id: i64,
    /// `model`, `asset` or `work_order`.
    pub entity_type: String,
    pub entity_id: i64,
    pub kind: DocumentKind,
    pub title: String,
    pub filename: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub media_type: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub uploaded_at: Timestamp,
    pub removed_by: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub removed_at: Option<Timestamp>,
    pub removed_reason: Option<String>,
}

impl Document {
    /// What it is attached to.
    pub fn entity(&self) -> Result<DocumentEntity, DomainError> {
        DocumentEntity::from_parts(&self.entity_type, self.entity_id)
    }

    pub fn is_removed(&self) -> bool {
        self.removed_at.is_some()
    }
}

/// A size for people: `512 B`, `14.2 KiB`, `3.1 MiB`.
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else {
        format!("{:.1} MiB", b / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 1, 0,
        0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89,
    ];
    const JPEG: &[u8] = &[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0x00, 0x01];
    const WEBP: &[u8] = b"RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00";
    const PDF: &[u8] = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";
    const ELF: &[u8] = &[0x7F, b'E', b'L', b'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3E, 0];
    const PE: &[u8] =
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xFF\xFF\x00\x00This program cannot be run in DOS mode";

    /// A stored (uncompressed) ZIP with these entries, built the way zip tools write one.
    fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = out.len() as u32;
            out.extend_from_slice(b"PK\x03\x04");
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&0u32.to_le_bytes()); // crc (not checked)
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(b"PK\x01\x02");
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&0u32.to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(data.len() as u32).to_le_bytes());
            central.extend_from_slice(&(name.len() as u16).to_le_bytes());
            central.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        out.extend_from_slice(b"PK\x05\x06");
        out.extend_from_slice(&[0, 0, 0, 0]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(central.len() as u32).to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    fn detected(r: Result<MediaType, UploadRefusal>) -> String {
        match r {
            Err(UploadRefusal::Unsupported { detected }) => detected,
            other => panic!("expected unsupported, got {other:?}"),
        }
    }

    #[test]
    fn allowed_types_are_recognised_by_their_magic_bytes() {
        assert_eq!(sniff(PDF, "x.bin"), Ok(MediaType::Pdf));
        assert_eq!(sniff(PNG, "x.pdf"), Ok(MediaType::Png));
        assert_eq!(sniff(JPEG, "photo.png"), Ok(MediaType::Jpeg));
        assert_eq!(sniff(WEBP, "photo"), Ok(MediaType::Webp));
        assert_eq!(sniff(b"Leakage 12 uA, PASS\r\n", "notes.txt"), Ok(MediaType::PlainText));
        assert_eq!(sniff("tag,reading\nBME-1,12 µA\n".as_bytes(), "readings.CSV"), Ok(MediaType::Csv));
        assert_eq!(sniff(b"tag,reading\n", "csv"), Ok(MediaType::PlainText));
        let docx = zip(&[("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")]);
        assert_eq!(sniff(&docx, "report.pdf"), Ok(MediaType::Docx));
        let xlsx = zip(&[("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")]);
        assert_eq!(sniff(&xlsx, "x"), Ok(MediaType::Xlsx));
    }

    #[test]
    fn the_client_name_never_makes_a_type_acceptable() {
        assert_eq!(detected(sniff(ELF, "manual.pdf")), "ELF executable");
        assert_eq!(detected(sniff(PE, "report.txt")), "Windows executable (PE/MZ)");
        assert_eq!(detected(sniff(&[0xCF, 0xFA, 0xED, 0xFE, 7, 0, 0, 1], "a.png")), "Mach-O executable");
        assert_eq!(detected(sniff(b"#!/bin/sh\nrm -rf /\n", "notes.txt")), "script (#!)");
        assert_eq!(sniff(b"MZ-200 pump: notes", "a.txt"), Ok(MediaType::PlainText));
    }

    #[test]
    fn markup_that_a_browser_would_run_is_refused() {
        assert_eq!(detected(sniff(b"<!DOCTYPE html><html><body>hi</body></html>", "a.txt")), "HTML");
        assert_eq!(detected(sniff(b"\xEF\xBB\xBF  <html><script>alert(1)</script>", "a.csv")), "HTML");
        assert_eq!(detected(sniff(b"note\n<script>alert(1)</script>", "a.txt")), "HTML");
        assert_eq!(
            detected(sniff(
                b"<?xml version=\"1.0\"?><svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"x()\"/>",
                "a.png"
            )),
            "SVG image"
        );
        assert_eq!(detected(sniff(b"<svg><script>1</script></svg>", "x")), "SVG image");
        assert_eq!(detected(sniff(b"<?xml version=\"1.0\"?><note/>", "x.txt")), "XML/markup");
    }

    #[test]
    fn other_formats_are_refused_by_name() {
        assert_eq!(detected(sniff(b"GIF89a\x01\x00\x01\x00", "a.gif")), "GIF image");
        assert_eq!(detected(sniff(b"II*\0\x08\0\0\0", "a.tif")), "TIFF image");
        assert_eq!(detected(sniff(b"\0\0\0\x18ftypheic\0\0\0\0", "IMG_1.HEIC")), "HEIC/HEIF image");
        assert_eq!(
            detected(sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0], "old.doc")),
            "legacy Office (OLE2: .doc/.xls/.msi)"
        );
        assert_eq!(detected(sniff(&zip(&[("setup.exe", b"MZ")]), "a.zip")), "ZIP archive");
        let macro_doc = zip(&[
            ("[Content_Types].xml", b"<Types/>"),
            ("word/document.xml", b"<w:document/>"),
            ("word/vbaProject.bin", b"\0"),
        ]);
        assert_eq!(detected(sniff(&macro_doc, "a.docx")), "macro-enabled Office document");
        assert_eq!(detected(sniff(b"PK\x03\x04garbage", "a.docx")), "damaged ZIP archive");
        assert_eq!(detected(sniff(b"text with a \0 NUL", "a.txt")), "binary (unrecognised)");
        assert_eq!(detected(sniff(&[0x80, 0x81, 0x82], "a.txt")), "binary (unrecognised)");
    }

    #[test]
    fn empty_and_oversized_uploads_are_refused() {
        assert_eq!(check_upload(b"", "a.txt", DEFAULT_MAX_BYTES), Err(UploadRefusal::Empty));
        let big = vec![b'a'; 101];
        assert_eq!(check_upload(&big, "a.txt", 100), Err(UploadRefusal::TooLarge { size: 101, max: 100 }));
        assert_eq!(check_upload(&big[..100], "a.txt", 100), Ok(MediaType::PlainText));
        let mut pdf = PDF.to_vec();
        pdf.resize(DEFAULT_MAX_BYTES as usize, b' ');
        assert_eq!(check_upload(&pdf, "m.pdf", DEFAULT_MAX_BYTES), Ok(MediaType::Pdf));
        pdf.push(b' ');
        assert!(matches!(check_upload(&pdf, "m.pdf", DEFAULT_MAX_BYTES), Err(UploadRefusal::TooLarge { .. })));
        let msg = UploadRefusal::TooLarge { size: 26 * 1024 * 1024, max: DEFAULT_MAX_BYTES }.to_string();
        assert!(msg.contains("25 MiB"), "{msg}");
    }

    #[test]
    fn file_names_lose_paths_and_unsafe_characters() {
        assert_eq!(clean_filename("C:\\Users\\x\\Service Manual.pdf"), "Service Manual.pdf");
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\"b\r\n.pdf"), "ab.pdf");
        assert_eq!(clean_filename("  "), "document");
        assert_eq!(clean_filename(".htaccess"), "htaccess");
        let long = format!("{}.pdf", "x".repeat(400));
        let c = clean_filename(&long);
        assert_eq!(c.chars().count(), MAX_FILENAME_CHARS);
        assert!(c.ends_with(".pdf"));
    }

    #[test]
    fn titles_and_reasons() {
        assert_eq!(clean_title("  Service\tmanual \n rev C ", "m.pdf").unwrap(), "Service manual rev C");
        assert_eq!(clean_title("", "m.pdf").unwrap(), "m.pdf");
        assert!(clean_title(&"t".repeat(201), "m.pdf").is_err());
        assert!(clean_reason("  ").is_err());
        assert_eq!(clean_reason(" uploaded to the wrong asset ").unwrap(), "uploaded to the wrong asset");
    }

    #[test]
    fn hashes_sizes_and_entities() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(human_size(512), "512 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(25 * 1024 * 1024), "25.0 MiB");
        let e = DocumentEntity::WorkOrder(WorkOrderId(7));
        assert_eq!(DocumentEntity::from_parts(e.entity_type(), e.id()).unwrap(), e);
        assert!(DocumentEntity::from_parts("site", 1).is_err());
        assert_eq!(MediaType::parse("image/png"), Some(MediaType::Png));
        assert!(MediaType::Jpeg.is_image() && !MediaType::Pdf.is_image());
        assert_eq!(MediaType::Csv.content_type(), "text/csv; charset=utf-8");
    }
}
