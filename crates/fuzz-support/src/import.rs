//! The `import_csv` and `import_xlsx` fuzz targets: any bytes, read as a CSV or XLSX file of
//! every import kind (`htm import <kind>`), through the pure parse-and-check path
//! (`htm_service::spreadsheet::check_sheet`: reading, the header against the mapping, value
//! maps and date formats, and every row check, against an empty database). Property: no panic,
//! and the answer is either valid rows or a non-empty list of problems, each naming its row
//! (the header is row 1; 0 only for the mapping itself) and column, with a message.

use htm_domain::spreadsheet::{Mapping, SheetKind};
use htm_service::spreadsheet::{SheetContext, SheetFormat, check_sheet};
use std::io::Write;

/// The mappings every input is read with: none (the file names our fields), and a legacy one
/// with a date format, a value map and a constant (the features `plan`/`map_row` implement).
fn mappings() -> Vec<Mapping> {
    let mut legacy = Mapping { date_format: Some("%m/%d/%Y".into()), ..Mapping::default() };
    legacy.columns.insert("Equip No".into(), "asset_tag".into());
    legacy.columns.insert("Mfr".into(), "manufacturer".into());
    legacy.skip.push("Internal ID".into());
    legacy.constants.insert("currency".into(), "EUR".into());
    legacy.values.insert("status".into(), [("ACTIVE".to_string(), "in_service".to_string())].into_iter().collect());
    vec![Mapping::default(), legacy]
}

/// Checks one file of every kind with every mapping (`Mapping::check` may refuse a mapping for
/// a kind; that answer must be well-formed too).
pub fn check_all_kinds(format: SheetFormat, bytes: &[u8]) -> Result<(), String> {
    let ctx = SheetContext::default();
    for mapping in mappings() {
        for kind in SheetKind::ALL {
            match check_sheet(kind, format, bytes, &mapping, &ctx) {
                Ok(_) => {}
                Err(errors) => {
                    if errors.is_empty() {
                        return Err(format!("{kind}: refused with no reason"));
                    }
                    for e in &errors {
                        if e.column.is_empty() || e.message.trim().is_empty() {
                            return Err(format!("{kind}: a problem without a column or message: {e:?}"));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// `import_csv`: the bytes as a CSV file.
pub fn import_csv(data: &[u8]) -> Result<(), String> {
    check_all_kinds(SheetFormat::Csv, data)
}

/// `import_xlsx`: the bytes as an XLSX file (mostly refused at the zip header: see
/// [`import_xlsx_structured`]).
pub fn import_xlsx(data: &[u8]) -> Result<(), String> {
    check_all_kinds(SheetFormat::Xlsx, data)
}

/// `import_xlsx` structure-aware: a valid zip with a workbook whose first sheet comes from the
/// input ([`workbook_from`]), so the fuzzer exercises the XML and the cells, not the zip header.
pub fn import_xlsx_structured(data: &[u8]) -> Result<(), String> {
    let book = workbook_from(data).map_err(|e| format!("building the workbook: {e}"))?;
    check_all_kinds(SheetFormat::Xlsx, &book)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Column letters of a 0-based index (0 → A, 26 → AA).
fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// A minimal XLSX (zip, stored) whose first worksheet comes from `data`. First byte even: the
/// rest is CSV-like text (lines → rows, commas → cells), written as inline-string cells, or as
/// numbers when a cell starts with `#` (`#45352` is a number Excel shows as a date); first byte
/// odd: the rest is put raw inside `<sheetData>` (malformed XML, odd cell references, …).
pub fn workbook_from(data: &[u8]) -> Result<Vec<u8>, String> {
    let (mode, rest) = data.split_first().map(|(m, r)| (*m, r)).unwrap_or((0, &[]));
    let text = String::from_utf8_lossy(rest);
    let sheet_data = if mode % 2 == 0 {
        let mut x = String::new();
        for (r, line) in text.lines().enumerate().take(1000) {
            x.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, cell) in line.split(',').enumerate().take(200) {
                let at = format!("{}{}", column_name(c), r + 1);
                match cell.strip_prefix('#') {
                    Some(n) => x.push_str(&format!("<c r=\"{at}\"><v>{}</v></c>", xml_escape(n))),
                    None => {
                        x.push_str(&format!("<c r=\"{at}\" t=\"inlineStr\"><is><t>{}</t></is></c>", xml_escape(cell)))
                    }
                }
            }
            x.push_str("</row>");
        }
        x
    } else {
        text.into_owned()
    };
    let parts: [(&str, String); 5] = [
        (
            "[Content_Types].xml",
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#,
                r#"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#,
                r#"<Default Extension="xml" ContentType="application/xml"/>"#,
                r#"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#,
                r#"<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#,
                r#"</Types>"#
            )
            .into(),
        ),
        (
            "_rels/.rels",
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
                r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>"#,
                r#"</Relationships>"#
            )
            .into(),
        ),
        (
            "xl/workbook.xml",
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">"#,
                r#"<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
            )
            .into(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#,
                r#"<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
                r#"</Relationships>"#
            )
            .into(),
        ),
        (
            "xl/worksheets/sheet1.xml",
            format!(
                concat!(
                    r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"#,
                    r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#,
                    r#"<sheetData>{}</sheetData></worksheet>"#
                ),
                sheet_data
            ),
        ),
    ];
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in parts {
        w.start_file(name, opts).map_err(|e| e.to_string())?;
        w.write_all(body.as_bytes()).map_err(|e| e.to_string())?;
    }
    Ok(w.finish().map_err(|e| e.to_string())?.into_inner())
}

/// An XLSX written by `rust_xlsxwriter` (the writer `htm export` uses) from CSV text: the seeds
/// of `import_xlsx` are made with it from the CSV seeds.
pub fn xlsx_from_csv(csv_text: &str) -> Result<Vec<u8>, String> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, line) in csv_text.lines().enumerate() {
        for (c, cell) in line.split(',').enumerate() {
            if !cell.is_empty() {
                ws.write_string(r as u32, c as u16, cell).map_err(|e| e.to_string())?;
            }
        }
    }
    book.save_to_buffer().map_err(|e| e.to_string())
}

/// Tokens worth inserting into CSV/XLSX inputs (the dictionary of the CI short run).
pub const DICTIONARY: &[&[u8]] = &[
    b"asset_tag",
    b"manufacturer",
    b"model_number",
    b"department",
    b"department_cost_center",
    b"acquisition_date",
    b"acquisition_cost",
    b"opened_at",
    b"completed_at",
    b"interval_months",
    b"anchor_date",
    b"labour_minutes",
    b"Equip No",
    b"Mfr",
    b"2024-02-30",
    b"2024-03-01T10:15:00Z",
    b"12/31/2024",
    b"WO-2024-000001",
    b"\"\"",
    b"\",\"",
    b"\r\n",
    b"\xef\xbb\xbf",
    b"<c r=\"XFD1048577\"><v>1</v></c>",
    b"<c r=\"A1\" t=\"s\"><v>99</v></c>",
    b"<c r=\"B2\" t=\"d\"><v>2024-01-01</v></c>",
    b"<row r=\"0\">",
    b"</row>",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }

    #[test]
    fn a_structured_workbook_is_read_back() {
        let book = workbook_from(b"\x00name,phone\nAcme Service,555-0100\n").map_err(|e| e.to_string());
        let book = book.unwrap_or_default();
        let ctx = SheetContext::default();
        let r = check_sheet(SheetKind::Vendors, SheetFormat::Xlsx, &book, &Mapping::default(), &ctx);
        assert_eq!(r, Ok(1));
    }
}
