//! 志愿服务记录证明 as the PDF a volunteer downloads (free of charge, 《志愿服务条例》 art. 21).
//!
//! Why a PDF and no embedded font: offices issue PDFs, and a PDF may name one of Adobe's
//! standard Chinese fonts (`STSong-Light`, character collection Adobe-GB1, Unicode encoding
//! `UniGB-UTF16-H`) without carrying it; every common viewer (Acrobat, pdf.js, PDFium in
//! Chrome and Android, Apple's Preview) draws it with a Chinese font of its own. Embedding
//! even a subset of a CJK font would mean shipping a 10–20 MB font file with the server; this
//! way a record is about 4 KB. Latin text (the code, the address, figures) is set in Helvetica,
//! one of the 14 standard fonts, so it stays readable and searchable as plain text.

use chrono::NaiveDate;
use pdf_writer::{
    types::{ActionType, AnnotationType, CidFontType, FontFlags, SystemInfo},
    Content, Name, Pdf, Rect, Ref, Str, TextStr,
};

/// What the record says.
pub struct Record<'a> {
    pub code: &'a str,
    /// The volunteer's name as bound (实名).
    pub name: &'a str,
    /// The organisations, joined (、).
    pub orgs: &'a str,
    pub minutes: i64,
    /// The first and last day of the verified service.
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub issued_on: NaiveDate,
    /// Where anyone checks the code.
    pub check_url: &'a str,
    /// Who issues it (the district's time bank).
    pub issuer: &'a str,
}

const A4: (f32, f32) = (595.0, 842.0);
const MARGIN: f32 = 64.0;
const LATIN: Name = Name(b"F1");
const CJK: Name = Name(b"F2");

/// Helvetica's advance widths for ASCII 32–126, in thousandths of the font size (its AFM).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The width of `c` at size 1: Helvetica's for printable ASCII, a full em for the rest (the
/// Chinese font's default width).
fn width(c: char) -> f32 {
    match c {
        ' '..='~' => f32::from(HELVETICA[c as usize - 32]) / 1000.0,
        _ => 1.0,
    }
}

fn text_width(s: &str, size: f32) -> f32 {
    s.chars().map(width).sum::<f32>() * size
}

/// Breaks `s` into lines no wider than `max`: between any two Chinese characters (Chinese has
/// no spaces), at spaces between Latin words, and inside a Latin word only when it is longer
/// than a line (an address).
fn wrap(s: &str, size: f32, max: f32) -> Vec<String> {
    // Tokens: a Chinese character, a space, or a run of other ASCII (a word).
    let mut tokens: Vec<String> = vec![];
    for c in s.chars() {
        let word = c.is_ascii() && c != ' ';
        match tokens.last_mut() {
            Some(t) if word && t.chars().all(|x| x.is_ascii() && x != ' ') => t.push(c),
            _ => tokens.push(c.to_string()),
        }
    }
    let mut lines = vec![];
    let mut line = String::new();
    for t in tokens {
        if line.is_empty() && t == " " {
            continue;
        }
        if text_width(&line, size) + text_width(&t, size) <= max {
            line.push_str(&t);
            continue;
        }
        if !line.trim().is_empty() {
            lines.push(line.trim_end().to_owned());
        }
        line = String::new();
        if t == " " {
            continue;
        }
        // A word longer than a line is broken where it must be.
        for c in t.chars() {
            if !line.is_empty() && text_width(&line, size) + width(c) * size > max {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Shows `s` from the current text position: ASCII runs in Helvetica, the rest in the Chinese
/// font (UTF-16BE, as `UniGB-UTF16-H` reads it).
fn show(content: &mut Content, s: &str, size: f32) {
    let mut run = String::new();
    let mut latin = true;
    let flush = |content: &mut Content, run: &mut String, latin: bool| {
        if run.is_empty() {
            return;
        }
        if latin {
            content.set_font(LATIN, size);
            content.show(Str(run.as_bytes()));
        } else {
            let bytes: Vec<u8> = run.encode_utf16().flat_map(u16::to_be_bytes).collect();
            content.set_font(CJK, size);
            content.show(Str(&bytes));
        }
        run.clear();
    };
    for c in s.chars() {
        let is_latin = (' '..='~').contains(&c);
        if is_latin != latin {
            flush(content, &mut run, latin);
            latin = is_latin;
        }
        run.push(c);
    }
    flush(content, &mut run, latin);
}

/// Writes one line at (x, y).
fn line_at(content: &mut Content, s: &str, size: f32, x: f32, y: f32) {
    content.begin_text();
    content.next_line(x, y);
    show(content, s, size);
    content.end_text();
}

fn day(d: NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

/// Hours as the record states them: whole hours, or hours and minutes.
fn hours(minutes: i64) -> String {
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h}小时"),
        (0, m) => format!("{m}分钟"),
        (h, m) => format!("{h}小时{m}分钟"),
    }
}

/// The record as a one-page A4 PDF.
pub fn render(r: &Record<'_>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let page = Ref::new(3);
    let latin = Ref::new(4);
    let cjk = Ref::new(5);
    let cid = Ref::new(6);
    let descriptor = Ref::new(7);
    let content_id = Ref::new(8);
    let link = Ref::new(9);
    let info = Ref::new(10);

    let (w, h) = A4;
    let inner = w - 2.0 * MARGIN;
    let mut c = Content::new();
    // A frame, and a rule under the title.
    c.set_line_width(1.2);
    c.rect(MARGIN - 20.0, 120.0, w - 2.0 * (MARGIN - 20.0), h - 190.0);
    c.stroke();

    let title = "志愿服务记录证明";
    let mut y = h - 130.0;
    line_at(&mut c, title, 24.0, (w - text_width(title, 24.0)) / 2.0, y);
    y -= 22.0;
    let sub = "Volunteer Service Record";
    line_at(&mut c, sub, 11.0, (w - text_width(sub, 11.0)) / 2.0, y);
    y -= 14.0;
    c.set_line_width(0.6);
    c.move_to(MARGIN, y);
    c.line_to(w - MARGIN, y);
    c.stroke();
    y -= 34.0;

    let lead = format!(
        "兹证明 {} 参加下列组织的志愿服务，经组织逐项核验，服务时长记录如下。",
        r.name
    );
    for l in wrap(&lead, 13.0, inner) {
        line_at(&mut c, &l, 13.0, MARGIN, y);
        y -= 22.0;
    }
    y -= 10.0;

    let period = r
        .period
        .map(|(a, b)| format!("{} 至 {}", day(a), day(b)))
        .unwrap_or_default();
    let hours_line = format!("{}（{} 分钟）", hours(r.minutes), r.minutes);
    let rows: [(&str, &str); 7] = [
        ("姓名 Name", r.name),
        ("服务组织 Organisations", r.orgs),
        ("核验时长 Verified hours", &hours_line),
        ("服务期间 Period", &period),
        ("开具日期 Issued on", &day(r.issued_on)),
        ("核验码 Verification code", r.code),
        ("核验地址 Check at", r.check_url),
    ];
    let label_w = 170.0;
    let mut url_box = None;
    for (label, value) in rows {
        line_at(&mut c, label, 11.0, MARGIN, y);
        let lines = wrap(value, 13.0, inner - label_w);
        for (i, l) in lines.iter().enumerate() {
            line_at(&mut c, l, 13.0, MARGIN + label_w, y);
            if value == r.check_url && i == 0 {
                url_box = Some(Rect::new(
                    MARGIN + label_w,
                    y - 4.0,
                    MARGIN + label_w + text_width(l, 13.0),
                    y + 13.0,
                ));
            }
            if i + 1 < lines.len() {
                y -= 19.0;
            }
        }
        y -= 28.0;
    }
    y -= 6.0;
    let notes = [
        "本证明依据《志愿服务条例》免费开具。任何人可在上述地址输入核验码核验；核验页只显示经遮盖的姓名、服务组织和服务时长。",
        "Issued free of charge. Anyone can check the code at the address above; the check shows only the masked name, the organisations and the hours.",
    ];
    for (i, n) in notes.iter().enumerate() {
        let size = if i == 0 { 11.0 } else { 10.0 };
        for l in wrap(n, size, inner) {
            line_at(&mut c, &l, size, MARGIN, y);
            y -= size + 7.0;
        }
        y -= 6.0;
    }
    let sign = format!("{}    {}", r.issuer, day(r.issued_on));
    line_at(
        &mut c,
        &sign,
        12.0,
        w - MARGIN - text_width(&sign, 12.0),
        150.0,
    );

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree).lang(TextStr("zh-CN"));
    pdf.pages(tree).kids([page]).count(1);
    {
        let mut p = pdf.page(page);
        p.parent(tree)
            .media_box(Rect::new(0.0, 0.0, w, h))
            .contents(content_id);
        if url_box.is_some() {
            p.annotations([link]);
        }
        p.resources().fonts().pair(LATIN, latin).pair(CJK, cjk);
    }
    pdf.type1_font(latin)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type0_font(cjk)
        .base_font(Name(b"STSong-Light-UniGB-UTF16-H"))
        .encoding_predefined(Name(b"UniGB-UTF16-H"))
        .descendant_font(cid);
    pdf.cid_font(cid)
        .subtype(CidFontType::Type0)
        .base_font(Name(b"STSong-Light"))
        .system_info(SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"GB1"),
            supplement: 4,
        })
        .font_descriptor(descriptor)
        .default_width(1000.0);
    // The standard metrics of STSong-Light (what a viewer substitutes must fit them).
    pdf.font_descriptor(descriptor)
        .name(Name(b"STSong-Light"))
        .flags(FontFlags::SERIF | FontFlags::SYMBOLIC)
        .bbox(Rect::new(-25.0, -254.0, 1000.0, 880.0))
        .italic_angle(0.0)
        .ascent(880.0)
        .descent(-120.0)
        .cap_height(880.0)
        .stem_v(93.0);
    pdf.stream(content_id, &c.finish());
    if let Some(rect) = url_box {
        let mut a = pdf.annotation(link);
        a.subtype(AnnotationType::Link)
            .rect(rect)
            .border(0.0, 0.0, 0.0, None);
        a.action()
            .action_type(ActionType::Uri)
            .uri(Str(r.check_url.as_bytes()));
    }
    pdf.document_info(info)
        .title(TextStr(&format!("志愿服务记录证明 · {}", r.name)))
        .subject(TextStr(&format!("核验码 {}", r.code)))
        .keywords(TextStr(r.code))
        .producer(TextStr("民政一件事 · 时间银行"));
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record<'static> {
        Record {
            code: "ABCDEFGHJKLM",
            name: "张丽",
            orgs: "爱心时间银行志愿服务队、银龄互助志愿服务社",
            minutes: 150,
            period: NaiveDate::from_ymd_opt(2026, 11, 23)
                .zip(NaiveDate::from_ymd_opt(2026, 11, 25)),
            issued_on: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            check_url: "https://mz.example/timebank/verify/ABCDEFGHJKLM",
            issuer: "海曙区时间银行",
        }
    }

    #[test]
    fn a_record_is_a_small_pdf_with_the_code_in_plain_text() {
        let pdf = render(&record());
        // `MZ_RECORD_PDF_OUT=<path>` keeps the sample to look at.
        if let Ok(out) = std::env::var("MZ_RECORD_PDF_OUT") {
            std::fs::write(out, &pdf).unwrap();
        }
        let text = String::from_utf8_lossy(&pdf);
        assert!(pdf.starts_with(b"%PDF-") && text.trim_end().ends_with("%%EOF"));
        assert!(text.contains("(ABCDEFGHJKLM) Tj"), "the code as Latin text");
        assert!(text.contains("/URI (https://mz.example/timebank/verify/ABCDEFGHJKLM)"));
        assert!(text.contains("/STSong-Light") && text.contains("/UniGB-UTF16-H"));
        // The name (张 U+5F20, 丽 U+4E3D) in the document's title, as UTF-16BE.
        assert!(text.contains("5F204E3D>"), "the name in the title");
        assert!(pdf.len() < 8 * 1024, "{} bytes", pdf.len());
    }

    #[test]
    fn long_values_wrap_within_the_column() {
        let long = "很长的组织名称".repeat(20);
        for l in wrap(&long, 13.0, 300.0) {
            assert!(text_width(&l, 13.0) <= 300.0, "{l}");
        }
        assert_eq!(wrap("", 13.0, 300.0), Vec::<String>::new());
        // Latin text breaks between words; a word longer than a line where it must.
        let lines = wrap("the masked name and the hours", 10.0, 80.0);
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with(' ') && !l.ends_with(' ')),
            "{lines:?}"
        );
        assert_eq!(lines.concat().replace(' ', ""), "themaskednameandthehours");
        assert!(lines.iter().all(|l| l
            .split(' ')
            .all(|w| "the masked name and the hours".contains(w))));
        let url = wrap(
            "https://example.org/timebank/verify/ABCDEFGHJKLM",
            13.0,
            120.0,
        );
        assert!(
            url.len() > 1 && url.concat() == "https://example.org/timebank/verify/ABCDEFGHJKLM"
        );
        assert_eq!(hours(150), "2小时30分钟");
        assert_eq!(hours(120), "2小时");
        assert_eq!(hours(45), "45分钟");
    }
}
