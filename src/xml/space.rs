//! XML's white space (production S: space, tab, line feed, carriage return), by bytes.
//! The four are ASCII and no byte of a multi-byte UTF-8 character is one of them, so a
//! position next to one is a character boundary.

/// One of XML's four white-space bytes.
pub fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// `text` without the XML white space around it. Byte loops: `str::trim_matches`
/// with a set of chars goes through a char searcher, a visible cost where every value
/// of every line is trimmed.
pub fn trim_space(text: &str) -> &str {
    let bytes = text.as_bytes();
    let Some(start) = bytes.iter().position(|&b| !is_space(b)) else {
        return "";
    };
    let end = bytes
        .iter()
        .rposition(|&b| !is_space(b))
        .map_or(start, |e| e + 1);
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_xml_white_space_is_trimmed() {
        assert_eq!(trim_space(" \t\r\n a b \n"), "a b");
        assert_eq!(trim_space("\u{a0}x\u{a0}"), "\u{a0}x\u{a0}");
        assert_eq!(trim_space("\u{2003}"), "\u{2003}");
        assert_eq!(trim_space(" \n "), "");
        assert_eq!(trim_space(""), "");
        assert_eq!(trim_space("é"), "é");
    }
}
