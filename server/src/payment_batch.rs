//! A day's payment batch (发放批次) as the finance office downloads it: CSV for the bank's
//! upload and XLSX for people, the same lines and the same total in both. Amounts are written
//! from integer fen (yuan with two decimals as text, and fen as an integer), never through a
//! float.

use app::rules::money::Fen;
use chrono::NaiveDate;

/// One payment of the batch.
pub struct Line {
    pub reference: String,
    pub item: String,
    pub payee: String,
    pub card: String,
    pub fen: Fen,
    pub first_by: String,
    pub second_by: String,
}

const HEADER: [&str; 9] = [
    "批次日期",
    "办件编号",
    "事项",
    "收款人",
    "银行卡号",
    "金额（元）",
    "金额（分）",
    "初审",
    "复核",
];

fn yuan(f: Fen) -> String {
    // Without separators: a bank's importer reads "1234.50".
    let sign = if f.0 < 0 { "-" } else { "" };
    let a = f.0.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// The total of the batch's lines.
pub fn total(lines: &[Line]) -> Fen {
    lines.iter().map(|l| l.fen).sum()
}

/// The batch as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese),
/// ending with a total line.
pub fn csv(day: NaiveDate, lines: &[Line]) -> Result<Vec<u8>, csv::Error> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(HEADER)?;
        let day = day.to_string();
        for l in lines {
            w.write_record([
                day.as_str(),
                &l.reference,
                &l.item,
                &l.payee,
                &l.card,
                &yuan(l.fen),
                &l.fen.0.to_string(),
                &l.first_by,
                &l.second_by,
            ])?;
        }
        let t = total(lines);
        w.write_record([
            day.as_str(),
            "合计",
            &format!("{} 笔", lines.len()),
            "",
            "",
            &yuan(t),
            &t.0.to_string(),
            "",
            "",
        ])?;
        w.flush()?;
    }
    Ok(out)
}

/// The batch as an XLSX workbook: the card number as text (a number would lose digits), the
/// amount in yuan as a formatted number computed from fen, and a total row.
pub fn xlsx(day: NaiveDate, lines: &[Line]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(day.to_string())?;
    let bold = Format::new().set_bold();
    let money = Format::new().set_num_format("#,##0.00");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let day = day.to_string();
    let mut row = 1u32;
    for l in lines {
        sheet.write_string(row, 0, &day)?;
        sheet.write_string(row, 1, &l.reference)?;
        sheet.write_string(row, 2, &l.item)?;
        sheet.write_string(row, 3, &l.payee)?;
        sheet.write_string(row, 4, &l.card)?;
        // Exact: every fen amount below 2^53 is exactly a double divided by 100 for display.
        sheet.write_number_with_format(row, 5, l.fen.0 as f64 / 100.0, &money)?;
        sheet.write_number(row, 6, l.fen.0 as f64)?;
        sheet.write_string(row, 7, &l.first_by)?;
        sheet.write_string(row, 8, &l.second_by)?;
        row += 1;
    }
    let t = total(lines);
    sheet.write_string_with_format(row, 1, "合计", &bold)?;
    sheet.write_string(row, 2, format!("{} 笔", lines.len()))?;
    sheet.write_number_with_format(row, 5, t.0 as f64 / 100.0, &money)?;
    sheet.write_number(row, 6, t.0 as f64)?;
    sheet.set_column_width(4, 24)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fen: i64) -> Line {
        Line {
            reference: "SH20261203000001".into(),
            item: "基本殡葬服务费用减免".into(),
            payee: "王丽".into(),
            card: "6222021234567890128".into(),
            fen: Fen(fen),
            first_by: "陈刚".into(),
            second_by: String::new(),
        }
    }

    #[test]
    fn the_csv_lists_every_line_and_a_total_equal_to_their_sum() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let text = String::from_utf8(csv(day, &[line(123_450), line(5)]).unwrap()).unwrap();
        let rows: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(rows.len(), 4);
        assert!(rows[1].contains("1234.50,123450"));
        assert!(rows[2].contains("0.05,5"));
        assert!(rows[3].contains("合计") && rows[3].contains("1234.55,123455"));
    }

    #[test]
    fn the_workbook_is_a_zip_file() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
        let bytes = xlsx(day, &[line(100)]).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }
}
