//! HTML built from Rust with escaping by construction: markup can only come from
//! `&'static str` literals written in this crate, and every runtime value goes through
//! [`Html::text`] (or [`Html::display`]), which escapes it. There is no way to append
//! a runtime `String` unescaped, so forgetting to escape a value is a type error, not
//! an injection.

use std::fmt::{self, Write as _};

/// A fragment of HTML under construction.
#[derive(Default)]
pub struct Html(String);

impl Html {
    pub fn new() -> Html {
        Html(String::with_capacity(4096))
    }

    /// Markup written in the source: tags, attribute names, French interface text.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.0.push_str(markup);
        self
    }

    /// A value, escaped for element content and for quoted attribute values alike.
    pub fn text(&mut self, value: &str) -> &mut Html {
        escape_into(&mut self.0, value);
        self
    }

    /// Any `Display` value, escaped (numbers, dates, identifiers).
    pub fn display(&mut self, value: impl fmt::Display) -> &mut Html {
        let mut escaper = Escaper(&mut self.0);
        // Writing into a String cannot fail.
        let _ = write!(escaper, "{value}");
        self
    }

    /// Another fragment, itself built only from literals and escaped values.
    pub fn append(&mut self, fragment: Html) -> &mut Html {
        self.0.push_str(&fragment.0);
        self
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

fn escape_into(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// Escapes what `Display` writes, piece by piece.
struct Escaper<'a>(&'a mut String);

impl fmt::Write for Escaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_into(self.0, s);
        Ok(())
    }
}

/// A link target inside the portal with a query string whose values are
/// percent-encoded; it is then escaped like any other value when written into an
/// attribute.
pub fn href(path: &'static str, query: &[(&str, &str)]) -> String {
    if query.is_empty() {
        return path.to_string();
    }
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in query {
        serializer.append_pair(name, value);
    }
    format!("{path}?{}", serializer.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_markup_is_not() {
        let mut h = Html::new();
        h.raw("<td title=\"")
            .text("\"><script>alert('x')</script>&")
            .raw("\">")
            .display(42)
            .raw("</td>");
        assert_eq!(
            h.into_string(),
            "<td title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">42</td>"
        );
    }

    #[test]
    fn display_values_are_escaped_too() {
        struct Evil;
        impl fmt::Display for Evil {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("<b>")
            }
        }
        let mut h = Html::new();
        h.display(Evil);
        assert_eq!(h.into_string(), "&lt;b&gt;");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            href("/portail/annuaire", &[("q", "a&b=c d"), ("page", "2")]),
            "/portail/annuaire?q=a%26b%3Dc+d&page=2"
        );
        assert_eq!(href("/portail/", &[]), "/portail/");
    }
}
