//! Self-contained HTML pages: inline CSS and SVG, no script, nothing fetched.

use std::fmt::Write as _;

/// Escapes text for HTML element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(c),
        }
    }
    escaped
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:24px auto;max-width:1000px;\
color:#1d2330;background:#fff}h1{font-size:24px}h2{font-size:18px;margin-top:28px;\
border-bottom:1px solid #d0d5dd;padding-bottom:4px}table{border-collapse:collapse;margin:8px 0}\
td,th{border:1px solid #d0d5dd;padding:4px 10px;text-align:left;font-size:14px}\
th{background:#f2f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}\
.status-ok{color:#067647}.status-warning{color:#b54708}.status-breached,.status-failed{color:#b42318;\
font-weight:600}figure{margin:12px 0}figcaption{font-size:13px;color:#475467}ul{margin:6px 0}";

/// An HTML page built section by section; every text passed in is escaped.
#[derive(Debug, Clone)]
pub struct Page {
    title: String,
    body: String,
}

impl Page {
    /// A page whose `<title>` and `<h1>` are `title`.
    pub fn new(title: &str) -> Self {
        let mut page = Page {
            title: title.to_owned(),
            body: String::new(),
        };
        let _ = writeln!(page.body, "<h1>{}</h1>", escape(title));
        page
    }

    /// Adds a second-level heading with an `id` for the structure test and for links.
    pub fn heading(&mut self, id: &str, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<h2 id=\"{}\">{}</h2>", escape(id), escape(text));
        self
    }

    /// Adds a paragraph.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.body, "<p>{}</p>", escape(text));
        self
    }

    /// Adds a two-column table of names and values.
    pub fn facts(&mut self, id: &str, rows: &[(String, String)]) -> &mut Self {
        let _ = writeln!(self.body, "<table id=\"{}\" class=\"facts\">", escape(id));
        for (name, value) in rows {
            let _ = writeln!(
                self.body,
                "<tr><th>{}</th><td class=\"num\">{}</td></tr>",
                escape(name),
                escape(value)
            );
        }
        self.body.push_str("</table>\n");
        self
    }

    /// Adds a table with a header row. A cell whose column is named `status`
    /// gets the class `status-<value>`, so an ok, warning or breached rule reads
    /// at a glance.
    pub fn table(&mut self, id: &str, header: &[&str], rows: &[Vec<String>]) -> &mut Self {
        let _ = write!(self.body, "<table id=\"{}\"><tr>", escape(id));
        for name in header {
            let _ = write!(self.body, "<th>{}</th>", escape(name));
        }
        self.body.push_str("</tr>\n");
        for row in rows {
            self.body.push_str("<tr>");
            for (column, cell) in row.iter().enumerate() {
                let class = match header.get(column) {
                    Some(&"status") => format!(" class=\"status-{}\"", escape(cell)),
                    _ => String::new(),
                };
                let _ = write!(self.body, "<td{class}>{}</td>", escape(cell));
            }
            self.body.push_str("</tr>\n");
        }
        self.body.push_str("</table>\n");
        self
    }

    /// Adds a bulleted list; an empty list reads "none".
    pub fn list(&mut self, id: &str, items: &[String]) -> &mut Self {
        let _ = writeln!(self.body, "<ul id=\"{}\">", escape(id));
        if items.is_empty() {
            self.body.push_str("<li>none</li>\n");
        }
        for item in items {
            let _ = writeln!(self.body, "<li>{}</li>", escape(item));
        }
        self.body.push_str("</ul>\n");
        self
    }

    /// Adds a figure: an SVG drawn by [`super::svg`] (already escaped inside) and
    /// its caption.
    pub fn figure(&mut self, svg: &str, caption: &str) -> &mut Self {
        let _ = writeln!(
            self.body,
            "<figure>{svg}<figcaption>{}</figcaption></figure>",
            escape(caption)
        );
        self
    }

    /// The finished page.
    pub fn finish(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"generator\" content=\"mikrobot {}\">\n<title>{}</title>\n\
             <style>{STYLE}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            env!("CARGO_PKG_VERSION"),
            escape(&self.title),
            self.body
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape("<b class=\"x\">Tom & 'Jerry'</b>"),
            "&lt;b class=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn page_escapes_every_text() {
        let mut page = Page::new("<script>alert(1)</script>");
        page.heading("id\"x", "a<b")
            .paragraph("c&d")
            .facts("f", &[("<k>".into(), "<v>".into())])
            .table("t", &["status", "<h>"], &[vec!["<s>".into(), "<c>".into()]])
            .list("l", &["<i>".into()]);
        let html = page.finish();
        assert!(!html.contains("<script>"));
        assert!(!html.contains("<k>"));
        assert!(!html.contains("<s>"));
        assert!(!html.contains("<i>"));
        assert!(html.contains("id=\"id&quot;x\""));
        assert!(html.contains("class=\"status-&lt;s&gt;\""));
    }

    #[test]
    fn page_has_no_script_or_remote_reference() {
        let html = Page::new("report").finish();
        assert!(!html.contains("<script"));
        assert!(!html.contains("http://"));
        assert!(!html.contains("https://"));
    }
}
