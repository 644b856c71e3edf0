//! The survey-readiness evidence pack as a PDF: US Letter landscape, the base-14 Helvetica fonts
//! (real, selectable text; nothing embedded, no external program), a simple flowing layout of
//! headings, paragraphs and tables whose long cells wrap and whose header rows repeat on every
//! page a table continues on. Every page carries the hospital and the title at the top and
//! "page N of M" at the bottom.

use htm_service::pm::PmCounts;
use htm_service::survey::{RiskAsset, SurveyPack};
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

const PAGE_W: f32 = 792.0;
const PAGE_H: f32 = 612.0;
const MARGIN: f32 = 36.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// The first line of content on a page (below the running header).
const TOP: f32 = PAGE_H - 58.0;
/// Nothing is drawn below this but the footer.
const BOTTOM: f32 = 44.0;

const BLACK: [f32; 3] = [0.0, 0.0, 0.0];
const GREY: [f32; 3] = [0.35, 0.35, 0.35];
const RED: [f32; 3] = [0.75, 0.0, 0.0];
const GREEN: [f32; 3] = [0.0, 0.45, 0.15];

#[derive(Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn name(self) -> Name<'static> {
        match self {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        }
    }
}

// Advance widths (1/1000 em) of the printable ASCII characters 32..=126 (Adobe's Helvetica AFM).
#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// The WinAnsi (cp1252) code of a character and its width in each font, or `None` when the
/// fonts cannot show it.
fn glyph(c: char) -> Option<(u8, u16, u16)> {
    let code = c as u32;
    if (32..=126).contains(&code) {
        let i = (code - 32) as usize;
        return Some((code as u8, HELVETICA[i], HELVETICA_BOLD[i]));
    }
    Some(match c {
        '\u{2014}' => (0x97, 1000, 1000),
        '\u{2013}' => (0x96, 556, 556),
        '\u{2018}' => (0x91, 222, 278),
        '\u{2019}' => (0x92, 222, 278),
        '\u{201C}' => (0x93, 333, 500),
        '\u{201D}' => (0x94, 333, 500),
        '\u{2022}' => (0x95, 350, 350),
        '\u{2026}' => (0x85, 1000, 1000),
        '\u{00A0}' => (0xA0, 278, 278),
        '\u{00B0}' => (0xB0, 400, 400),
        '\u{00B1}' | '\u{00D7}' => (code as u8, 584, 584),
        '\u{00B5}' => (0xB5, 556, 611),
        '\u{00B7}' => (0xB7, 278, 278),
        // Latin-1 letters: the width of a letter of their case.
        '\u{00C0}'..='\u{00D6}' | '\u{00D8}'..='\u{00DE}' => (code as u8, 722, 722),
        '\u{00DF}'..='\u{00F6}' | '\u{00F8}'..='\u{00FF}' => (code as u8, 556, 611),
        _ => return None,
    })
}

/// Replaces what the fonts cannot show with a plain equivalent.
fn printable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            '\u{2265}' => out.push_str(">="),
            '\u{2264}' => out.push_str("<="),
            '\u{2192}' => out.push_str("->"),
            c if glyph(c).is_some() => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

fn encode(s: &str) -> Vec<u8> {
    s.chars().filter_map(glyph).map(|g| g.0).collect()
}

fn width(s: &str, font: Font, size: f32) -> f32 {
    let units: u32 = s.chars().filter_map(glyph).map(|g| u32::from(if font == Font::Bold { g.2 } else { g.1 })).sum();
    units as f32 * size / 1000.0
}

/// Breaks `s` into lines no wider than `max` (a word longer than a line is cut).
fn wrap(s: &str, font: Font, size: f32, max: f32) -> Vec<String> {
    let s = printable(s);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
        if width(&candidate, font, size) <= max {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone: cut it while it is too wide.
        let mut rest = word.to_string();
        while width(&rest, font, size) > max && rest.chars().count() > 1 {
            let mut cut = String::new();
            for c in rest.chars() {
                let mut next = cut.clone();
                next.push(c);
                if width(&next, font, size) > max && !cut.is_empty() {
                    break;
                }
                cut = next;
            }
            rest = rest[cut.len()..].to_string();
            lines.push(cut);
        }
        line = rest;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// One table cell.
struct Cell {
    text: String,
    font: Font,
    color: [f32; 3],
}

fn c(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), font: Font::Regular, color: BLACK }
}

fn bold(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), font: Font::Bold, color: BLACK }
}

fn red(text: impl Into<String>) -> Cell {
    Cell { text: text.into(), font: Font::Bold, color: RED }
}

fn colored(text: impl Into<String>, color: [f32; 3]) -> Cell {
    Cell { text: text.into(), font: Font::Regular, color }
}

/// The page flow: pages of drawing operations and where the next line goes.
struct Flow {
    done: Vec<Content>,
    cur: Content,
    y: f32,
    running: String,
}

const TABLE_SIZE: f32 = 7.5;
const TABLE_LEADING: f32 = 9.2;
const BODY_SIZE: f32 = 9.0;
const BODY_LEADING: f32 = 11.5;

impl Flow {
    fn new(running: String) -> Flow {
        let mut f = Flow { done: Vec::new(), cur: Content::new(), y: TOP, running };
        f.page_top();
        f
    }

    fn page_top(&mut self) {
        let running = self.running.clone();
        self.text(MARGIN, PAGE_H - 30.0, &running, Font::Regular, 8.0, GREY);
        self.line(MARGIN, PAGE_H - 36.0, PAGE_W - MARGIN, PAGE_H - 36.0, 0.5, [0.6, 0.6, 0.6]);
    }

    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.cur, Content::new());
        self.done.push(page);
        self.y = TOP;
        self.page_top();
    }

    /// Starts a new page unless `h` points fit above the bottom margin.
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    fn text(&mut self, x: f32, y: f32, s: &str, font: Font, size: f32, color: [f32; 3]) {
        let bytes = encode(&printable(s));
        self.cur.set_fill_rgb(color[0], color[1], color[2]);
        self.cur.begin_text();
        self.cur.set_font(font.name(), size);
        self.cur.next_line(x, y);
        self.cur.show(Str(&bytes));
        self.cur.end_text();
    }

    fn line(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, w: f32, color: [f32; 3]) {
        self.cur.set_stroke_rgb(color[0], color[1], color[2]);
        self.cur.set_line_width(w);
        self.cur.move_to(x1, y1);
        self.cur.line_to(x2, y2);
        self.cur.stroke();
    }

    fn fill(&mut self, x: f32, y: f32, w: f32, h: f32, color: [f32; 3]) {
        self.cur.set_fill_rgb(color[0], color[1], color[2]);
        self.cur.rect(x, y, w, h);
        self.cur.fill_nonzero();
    }

    fn gap(&mut self, h: f32) {
        self.y -= h;
    }

    fn paragraph_in(&mut self, s: &str, font: Font, size: f32, leading: f32, color: [f32; 3], indent: f32) {
        for l in wrap(s, font, size, CONTENT_W - indent) {
            self.ensure(leading);
            self.y -= leading;
            self.text(MARGIN + indent, self.y + (leading - size) * 0.6, &l, font, size, color);
        }
    }

    fn paragraph(&mut self, s: &str) {
        self.paragraph_in(s, Font::Regular, BODY_SIZE, BODY_LEADING, BLACK, 0.0);
        self.gap(3.0);
    }

    fn note(&mut self, s: &str) {
        self.paragraph_in(s, Font::Regular, 8.0, 10.0, GREY, 0.0);
        self.gap(3.0);
    }

    /// A section heading, kept with at least a few lines of what follows.
    fn heading(&mut self, s: &str) {
        self.ensure(90.0);
        if self.y < TOP {
            self.gap(10.0);
        }
        self.paragraph_in(s, Font::Bold, 13.0, 16.0, BLACK, 0.0);
        self.line(MARGIN, self.y - 3.0, PAGE_W - MARGIN, self.y - 3.0, 0.8, BLACK);
        self.gap(8.0);
    }

    fn subheading(&mut self, s: &str) {
        self.ensure(75.0);
        if self.y < TOP {
            self.gap(6.0);
        }
        self.paragraph_in(s, Font::Bold, 10.5, 13.0, BLACK, 0.0);
        self.gap(3.0);
    }

    /// A label: value line.
    fn field(&mut self, label: &str, value: &str) {
        let lw = 130.0;
        let lines = wrap(value, Font::Regular, BODY_SIZE, CONTENT_W - lw);
        for (i, l) in lines.iter().enumerate() {
            self.ensure(BODY_LEADING);
            self.y -= BODY_LEADING;
            let base = self.y + 2.0;
            if i == 0 {
                self.text(MARGIN, base, label, Font::Bold, BODY_SIZE, BLACK);
            }
            self.text(MARGIN + lw, base, l, Font::Regular, BODY_SIZE, BLACK);
        }
    }

    fn header_row(&mut self, titles: &[&str], widths: &[f32]) {
        let wrapped: Vec<Vec<String>> =
            titles.iter().zip(widths).map(|(t, w)| wrap(t, Font::Bold, TABLE_SIZE, w - 6.0)).collect();
        let n = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let h = n * TABLE_LEADING + 4.0;
        self.fill(MARGIN, self.y - h, CONTENT_W, h, [0.85, 0.87, 0.9]);
        let mut x = MARGIN;
        for (lines, w) in wrapped.iter().zip(widths) {
            for (i, l) in lines.iter().enumerate() {
                let base = self.y - 2.0 - (i as f32 + 1.0) * TABLE_LEADING + 2.2;
                self.text(x + 3.0, base, l, Font::Bold, TABLE_SIZE, BLACK);
            }
            x += w;
        }
        self.y -= h;
    }

    /// A table whose columns take the given fractions of the width; the header row repeats on
    /// every page the table continues on; an empty table prints `empty`.
    fn table(&mut self, titles: &[&str], fractions: &[f32], rows: impl IntoIterator<Item = Vec<Cell>>, empty: &str) {
        let total: f32 = fractions.iter().sum();
        let widths: Vec<f32> = fractions.iter().map(|f| f / total * CONTENT_W).collect();
        let mut rows = rows.into_iter().peekable();
        if rows.peek().is_none() {
            self.paragraph_in(empty, Font::Regular, BODY_SIZE, BODY_LEADING, GREY, 0.0);
            self.gap(4.0);
            return;
        }
        self.ensure(3.0 * TABLE_LEADING + 12.0);
        self.header_row(titles, &widths);
        let max_lines = ((TOP - BOTTOM - 3.0 * TABLE_LEADING) / TABLE_LEADING) as usize;
        for (k, row) in rows.enumerate() {
            let wrapped: Vec<Vec<String>> = row
                .iter()
                .zip(&widths)
                .map(|(cell, w)| {
                    let mut l = wrap(&cell.text, cell.font, TABLE_SIZE, w - 6.0);
                    l.truncate(max_lines);
                    l
                })
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1) as f32;
            let h = n * TABLE_LEADING + 3.0;
            if self.y - h < BOTTOM {
                self.new_page();
                self.header_row(titles, &widths);
            }
            if k % 2 == 1 {
                self.fill(MARGIN, self.y - h, CONTENT_W, h, [0.95, 0.95, 0.95]);
            }
            let mut x = MARGIN;
            for ((lines, cell), w) in wrapped.iter().zip(&row).zip(&widths) {
                for (i, l) in lines.iter().enumerate() {
                    let base = self.y - 1.5 - (i as f32 + 1.0) * TABLE_LEADING + 2.2;
                    self.text(x + 3.0, base, l, cell.font, TABLE_SIZE, cell.color);
                }
                x += w;
            }
            self.y -= h;
        }
        self.line(MARGIN, self.y, PAGE_W - MARGIN, self.y, 0.5, [0.6, 0.6, 0.6]);
        self.gap(8.0);
    }

    fn finish(mut self) -> Vec<Content> {
        self.done.push(self.cur);
        self.done
    }
}

fn date(d: Option<jiff::civil::Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}

fn rate(c: &PmCounts) -> String {
    c.completion_rate.map(|r| format!("{r:.1} %")).unwrap_or_else(|| "—".into())
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "" }
}

/// "YYYY-MM-DD HH:MM:SS UTC".
pub fn utc(ts: jiff::Timestamp) -> String {
    ts.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn risk_rows(list: &[RiskAsset], with_ls: bool) -> Vec<Vec<Cell>> {
    list.iter()
        .map(|a| {
            let mut row = vec![
                bold(&a.asset_tag),
                c(&a.model),
                c(&a.department),
                c(a.location.clone().unwrap_or_default()),
                c(&a.status),
            ];
            if with_ls {
                row.push(c(yes(a.life_support)));
            }
            row.push(match a.last_pm {
                Some(d) => c(d.to_string()),
                None => red("none"),
            });
            row.push(match (a.next_due, a.overdue) {
                (Some(d), true) => red(format!("{d} (overdue)")),
                (Some(d), false) => c(d.to_string()),
                (None, _) => red("not scheduled"),
            });
            row
        })
        .collect()
}

/// Renders the pack as PDF bytes.
pub fn render(pack: &SurveyPack) -> Vec<u8> {
    let mut f = Flow::new(format!("{} — Survey readiness evidence pack — as of {}", pack.organisation, pack.as_of));

    // Title block.
    f.paragraph_in("Survey readiness evidence pack", Font::Bold, 20.0, 24.0, BLACK, 0.0);
    f.paragraph_in(
        "Medical equipment management: The Joint Commission EC.02.04.01 and EC.02.04.03; CMS 42 CFR 482.41",
        Font::Regular,
        10.0,
        14.0,
        GREY,
        0.0,
    );
    f.gap(8.0);
    f.field("Hospital / site", &pack.organisation);
    f.field("As of", &pack.as_of.to_string());
    f.field(
        "PM completion period",
        &format!(
            "{} to {} (the 12 complete months before the as-of month)",
            pack.period_first_month, pack.period_last_month
        ),
    );
    f.field("Generated at", &utc(pack.generated_at));
    f.field("Generated by", &pack.generated_by);
    f.gap(8.0);

    let pm = &pack.pm_completion;
    let inv = &pack.inventory;
    f.subheading("Summary");
    let hr_ok = pm.high_risk.completion_rate.is_none_or(|r| r >= 100.0);
    f.table(
        &["Measure", "Figure"],
        &[3.0, 2.0],
        vec![
            vec![c("Assets on the inventory (active)"), c(format!("{} ({} active)", inv.total, inv.active))],
            vec![
                c("High-risk assets (life support included) / life-support assets"),
                c(format!("{} / {}", inv.high_risk, inv.life_support)),
            ],
            vec![c("PM completion, 12 months: all scheduled PMs"), c(rate(&pm.total))],
            vec![
                c("High-risk PM completion, 12 months (target 100 %)"),
                Cell { text: rate(&pm.high_risk), font: Font::Bold, color: if hr_ok { GREEN } else { RED } },
            ],
            vec![c("Life-support PM completion, 12 months"), c(rate(&pm.life_support))],
            vec![c("Other (not high-risk) PM completion, 12 months"), c(rate(&pm.other))],
            vec![
                c("High-risk PM exceptions / without a follow-up"),
                c(format!("{} / {}", pm.high_risk_exceptions.len(), pm.exceptions_without_follow_up)),
            ],
            vec![
                c("PMs overdue now / assets reported missing"),
                c(format!("{} / {}", pack.overdue.overdue_pms.len(), pack.overdue.missing_assets.len())),
            ],
        ],
        "",
    );

    // 1. Inventory.
    f.heading(&inv.heading);
    f.paragraph(&inv.ownership_note);
    f.subheading("Assets by status");
    let mut status_rows: Vec<Vec<Cell>> =
        inv.by_status.iter().map(|s| vec![c(&s.label), c(s.count.to_string())]).collect();
    status_rows.push(vec![bold("All assets"), bold(inv.total.to_string())]);
    f.table(&["Status", "Assets"], &[3.0, 1.0], status_rows, "The inventory is empty.");
    f.subheading("Gaps a surveyor asks about");
    f.table(
        &["Gap", "Assets", "Note"],
        &[3.0, 1.0, 4.0],
        inv.gaps.iter().map(|g| {
            vec![
                c(&g.label),
                if g.count > 0 { red(g.count.to_string()) } else { colored("0", GREEN) },
                c(g.note.clone().unwrap_or_default()),
            ]
        }),
        "",
    );
    for g in inv.gaps.iter().filter(|g| !g.assets.is_empty()) {
        f.subheading(&format!("{} ({})", g.label, g.count));
        f.table(
            &["Asset tag", "Model", "Department", "Status"],
            &[1.2, 3.0, 2.2, 1.4],
            g.assets.iter().map(|a| vec![bold(&a.asset_tag), c(&a.model), c(&a.department), c(&a.status)]),
            "",
        );
    }

    // 2. High-risk and life-support lists.
    let hr = &pack.high_risk;
    f.heading(&hr.heading);
    f.subheading(&format!("2a. High-risk equipment ({} assets, life support included)", hr.high_risk_assets.len()));
    f.table(
        &["Asset tag", "Model", "Department", "Location", "Status", "Life support", "Last PM", "Next due"],
        &[1.1, 2.8, 1.8, 1.4, 1.0, 0.7, 0.9, 1.3],
        risk_rows(&hr.high_risk_assets, true),
        "No active high-risk equipment.",
    );
    f.subheading(&format!("2b. Life-support equipment ({} assets)", hr.life_support_assets.len()));
    f.table(
        &["Asset tag", "Model", "Department", "Location", "Status", "Last PM", "Next due"],
        &[1.1, 2.8, 1.8, 1.4, 1.0, 0.9, 1.3],
        risk_rows(&hr.life_support_assets, false),
        "No active life-support equipment.",
    );

    // 3. Strategies.
    let st = &pack.strategies;
    f.heading(&st.heading);
    if let Some(n) = &st.note {
        f.paragraph(n);
    }
    if st.available {
        let strategy_rows = |list: &[htm_service::survey::StrategyLine]| -> Vec<Vec<Cell>> {
            list.iter()
                .map(|s| {
                    let approval = if s.signatures.is_empty() {
                        match (&s.approved_by, s.approved_at) {
                            (Some(b), Some(t)) => c(format!("Approved by {b} — {}", utc(t))),
                            (Some(b), None) => c(format!("Approved by {b}")),
                            _ => red("not approved"),
                        }
                    } else {
                        c(s.signatures.join("; "))
                    };
                    vec![
                        bold(format!("{} ({}, {})", s.applies_to, s.level, s.category)),
                        c(match &s.aem_group {
                            Some(g) => format!("{}; group {g}", s.strategy),
                            None => s.strategy.clone(),
                        }),
                        c(s.interval_months.map(|m| format!("{m} months")).unwrap_or_default()),
                        c(&s.rationale),
                        approval,
                    ]
                })
                .collect()
        };
        f.subheading(&format!("3a. Maintenance strategies with rationale (EP4, EP5): {}", st.strategies.len()));
        f.table(
            &["Applies to", "Strategy", "Interval", "Rationale", "Approval (electronic signature)"],
            &[1.8, 1.3, 0.7, 3.2, 2.6],
            strategy_rows(&st.strategies),
            "No maintenance strategy is recorded.",
        );
        f.subheading(&format!("3b. Equipment on alternate equipment maintenance, AEM (EP6): {}", st.aem.len()));
        f.table(
            &["Applies to", "Strategy", "Interval", "Rationale", "Approval (electronic signature)"],
            &[1.8, 1.3, 0.7, 3.2, 2.6],
            strategy_rows(&st.aem),
            "No equipment is on an AEM program.",
        );
        f.subheading(&format!("3c. Assets on AEM, by group (EP6): {}", st.aem_equipment.len()));
        f.table(
            &["Asset tag", "AEM group", "Strategy record", "Approved"],
            &[1.2, 2.5, 1.0, 1.8],
            st.aem_equipment.iter().map(|a| {
                vec![bold(&a.asset_tag), c(&a.aem_group), c(format!("#{}", a.strategy_id)), c(utc(a.approved_at))]
            }),
            "No asset is on AEM.",
        );
    }

    // 4. PM completion.
    f.heading(&pm.heading);
    f.paragraph_in(
        &format!(
            "High-risk PM completion, {} to {}: {} ({} of {} on time; target 100 %).",
            pack.period_first_month,
            pack.period_last_month,
            rate(&pm.high_risk),
            pm.high_risk.completed_on_time,
            pm.high_risk.scheduled
        ),
        Font::Bold,
        10.0,
        13.0,
        if hr_ok { GREEN } else { RED },
        0.0,
    );
    f.gap(4.0);
    let counts =
        |x: &PmCounts| -> [Cell; 3] { [c(x.scheduled.to_string()), c(x.completed_on_time.to_string()), c(rate(x))] };
    let mut month_rows: Vec<Vec<Cell>> = Vec::new();
    for m in &pm.months {
        let mut row = vec![bold(&m.month)];
        for x in [&m.total, &m.high_risk, &m.life_support, &m.other] {
            row.extend(counts(x));
        }
        month_rows.push(row);
    }
    let mut total_row = vec![bold("12 months")];
    for x in [&pm.total, &pm.high_risk, &pm.life_support, &pm.other] {
        total_row.extend(counts(x).into_iter().map(|cell| Cell { font: Font::Bold, ..cell }));
    }
    month_rows.push(total_row);
    f.table(
        &[
            "Month",
            "All: due",
            "All: on time",
            "All: rate",
            "High-risk: due",
            "High-risk: on time",
            "High-risk: rate",
            "Life support: due",
            "Life support: on time",
            "Life support: rate",
            "Other: due",
            "Other: on time",
            "Other: rate",
        ],
        &[1.0, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
        month_rows,
        "",
    );
    f.note(&format!("How it is counted: {}.", pm.convention));
    f.subheading(&format!(
        "High-risk PM exceptions ({}; {} without a follow-up)",
        pm.high_risk_exceptions.len(),
        pm.exceptions_without_follow_up
    ));
    f.note(
        "Every high-risk PM due in the 12 months that was not completed on time. Follow-up: a late completion is \
         its own follow-up; otherwise the first work order on the device opened after the PM.",
    );
    f.table(
        &["Due", "Work order", "Asset tag", "Model", "Department", "Life support", "Standing", "Follow-up"],
        &[0.9, 1.3, 1.0, 2.2, 1.6, 0.7, 2.0, 2.3],
        pm.high_risk_exceptions.iter().map(|e| {
            vec![
                c(e.due_date.to_string()),
                c(&e.work_order),
                bold(&e.asset_tag),
                c(&e.model),
                c(&e.department),
                c(yes(e.life_support)),
                c(&e.standing_label),
                match &e.follow_up {
                    Some(fu) if fu.work_order == e.work_order => {
                        c(format!("{} (this work order): {}", fu.work_order, fu.status))
                    }
                    Some(fu) => c(format!(
                        "{} {} opened {}: {}",
                        fu.work_order,
                        fu.wo_type.replace('_', " "),
                        fu.opened_on,
                        fu.status
                    )),
                    None => red("none"),
                },
            ]
        }),
        "None: every high-risk PM of the 12 months was completed on time.",
    );

    // 5. Overdue and unable to locate.
    let od = &pack.overdue;
    f.heading(&od.heading);
    f.subheading(&format!("Open PMs past their compliance window as of {} ({})", pack.as_of, od.overdue_pms.len()));
    f.table(
        &["Work order", "Asset tag", "Model", "Department", "Risk", "Due", "Window ended", "Status", "Days overdue"],
        &[1.3, 1.0, 2.4, 1.7, 1.0, 0.9, 0.9, 0.9, 0.8],
        od.overdue_pms.iter().map(|o| {
            vec![
                c(&o.work_order),
                bold(&o.asset_tag),
                c(&o.model),
                c(&o.department),
                if o.life_support {
                    red("life support")
                } else if o.high_risk {
                    red("high-risk")
                } else {
                    c("other")
                },
                c(date(o.due_date)),
                c(date(o.window_end)),
                c(&o.status),
                c(o.days_overdue.to_string()),
            ]
        }),
        "None: no PM is overdue.",
    );
    f.subheading(&format!("Assets reported missing: unable to locate ({})", od.missing_assets.len()));
    f.table(
        &[
            "Asset tag",
            "Model",
            "Department",
            "High-risk",
            &format!("Unable to locate PMs since {}", pack.period_first_month),
            "Last unable to locate PM",
            "On",
            "Open work orders",
        ],
        &[1.0, 2.6, 1.8, 0.7, 0.9, 1.3, 0.9, 0.9],
        od.missing_assets.iter().map(|m| {
            vec![
                bold(&m.asset_tag),
                c(&m.model),
                c(&m.department),
                c(yes(m.high_risk)),
                c(m.unable_to_locate_pms.to_string()),
                c(m.last_unable_to_locate_work_order.clone().unwrap_or_else(|| "—".into())),
                c(date(m.last_unable_to_locate_on)),
                if m.open_work_orders > 0 { c(m.open_work_orders.to_string()) } else { red("none") },
            ]
        }),
        "None: no asset is reported missing.",
    );

    // 6. Incidents.
    let inc = &pack.incidents;
    f.heading(&inc.heading);
    if let Some(n) = &inc.note {
        f.paragraph(n);
    }
    if inc.available {
        f.table(
            &["Reference", "Occurred", "Asset", "What happened", "Status", "Reportable (MDR) / reported by"],
            &[1.1, 0.9, 1.0, 4.0, 1.0, 2.0],
            inc.incidents.iter().map(|i| {
                vec![
                    bold(&i.reference),
                    c(date(i.occurred_on)),
                    c(i.asset_tag.clone().unwrap_or_default()),
                    c(&i.summary),
                    c(&i.status),
                    c(&i.reportable),
                ]
            }),
            "No incident was recorded in the period.",
        );
    }
    f.gap(10.0);
    f.note("End of the evidence pack.");

    assemble(pack, f.finish())
}

/// Writes the pages, adding the footer ("page N of M") now that the count is known.
fn assemble(pack: &SurveyPack, pages: Vec<Content>) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold_font = Ref::new(4);
    let info = Ref::new(5);
    let n = pages.len();
    let page_ref = |i: usize| Ref::new(6 + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(7 + 2 * i as i32);
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids((0..n).map(page_ref)).count(n as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold_font).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    let z = pack.generated_at.to_zoned(jiff::tz::TimeZone::UTC);
    let created = pdf_writer::Date::new(u16::try_from(z.year()).unwrap_or(2000))
        .month(z.month() as u8)
        .day(z.day() as u8)
        .hour(z.hour() as u8)
        .minute(z.minute() as u8)
        .second(z.second() as u8)
        .utc_offset_hour(0);
    pdf.document_info(info)
        .title(TextStr(&format!("Survey readiness evidence pack — {} — {}", pack.organisation, pack.as_of)))
        .producer(TextStr("OpenHTM"))
        .creation_date(created);
    let footer_left = format!("Generated {} by {}", utc(pack.generated_at), pack.generated_by);
    for (i, content) in pages.into_iter().enumerate() {
        let mut flow = Flow { done: Vec::new(), cur: content, y: 0.0, running: String::new() };
        flow.line(MARGIN, 32.0, PAGE_W - MARGIN, 32.0, 0.5, [0.6, 0.6, 0.6]);
        flow.text(MARGIN, 20.0, &footer_left, Font::Regular, 8.0, GREY);
        let label = format!("page {} of {n}", i + 1);
        let w = width(&label, Font::Regular, 8.0);
        flow.text(PAGE_W - MARGIN - w, 20.0, &label, Font::Regular, 8.0, GREY);
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_ref(i));
        {
            let mut res = page.resources();
            let mut fonts = res.fonts();
            fonts.pair(Font::Regular.name(), regular);
            fonts.pair(Font::Bold.name(), bold_font);
        }
        drop(page);
        pdf.stream(content_ref(i), &flow.cur.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_wraps_within_the_width_and_keeps_every_word() {
        let s = "Every high-risk PM due in the 12 months that was not completed on time";
        let lines = wrap(s, Font::Regular, 10.0, 120.0);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(width(l, Font::Regular, 10.0) <= 120.0, "{l}");
        }
        assert_eq!(lines.join(" "), s);
        // A word longer than the line is cut, not lost.
        let long = "X".repeat(60);
        assert_eq!(wrap(&long, Font::Bold, 10.0, 50.0).concat(), long);
        assert_eq!(wrap("", Font::Regular, 10.0, 50.0), vec![String::new()]);
    }

    #[test]
    fn widths_follow_the_helvetica_metrics_and_text_is_winansi() {
        assert!((width("Hello", Font::Regular, 1000.0) - (722.0 + 556.0 + 222.0 + 222.0 + 556.0)).abs() < 0.01);
        assert_eq!(encode("a — é"), vec![b'a', b' ', 0x97, b' ', 0xE9]);
        assert_eq!(printable("≥ 12 ✓"), ">= 12 ?");
    }
}
