//! The result table that the conformance run and the interop matrix print: one Markdown
//! table, one row per check. What a row holds and how it is judged stays with each runner
//! (the conformance run has expected failures and a JSON report, the interop matrix runs
//! async rows against a deadline); only the table itself is shared.

/// A Markdown table with `header` and one line per row. In every cell `|` is escaped and
/// line breaks become spaces, so a multi-line detail cannot break the table.
pub fn markdown<R>(header: &[&str], rows: impl IntoIterator<Item = R>) -> String
where
    R: IntoIterator,
    R::Item: AsRef<str>,
{
    let mut s = format!("| {} |\n|", header.join(" | "));
    for _ in header {
        s.push_str("---|");
    }
    s.push('\n');
    for row in rows {
        s.push('|');
        for cell in row {
            s.push(' ');
            s.push_str(&cell.as_ref().replace('|', "\\|").replace('\n', " "));
            s.push_str(" |");
        }
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_every_cell() {
        let t = markdown(&["a", "b"], [["x|y", "two\nlines"]]);
        assert_eq!(t, "| a | b |\n|---|---|\n| x\\|y | two lines |\n");
        assert_eq!(
            markdown(&["a"], Vec::<Vec<String>>::new()),
            "| a |\n|---|\n"
        );
    }
}
