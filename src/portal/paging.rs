//! Paged lists: a page number read from the query string (`page`, from 1), the
//! storage page it asks for, and the pager links. Every list of the portal is paged,
//! so a page costs the same on a directory of ten million lines as on ten.

use super::html::Html;
use crate::storage::search::Page;

/// Rows per page.
pub const PAGE_SIZE: i64 = 20;

/// A 1-based page number; anything unreadable or below 1 is the first page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageNumber(u32);

impl PageNumber {
    pub fn from_query(value: Option<&str>) -> PageNumber {
        PageNumber(
            value
                .and_then(|v| v.trim().parse::<u32>().ok())
                .filter(|n| *n >= 1)
                .unwrap_or(1),
        )
    }

    pub fn get(self) -> u32 {
        self.0
    }

    pub fn storage(self) -> Page {
        Page {
            limit: PAGE_SIZE,
            offset: i64::from(self.0 - 1) * PAGE_SIZE,
        }
    }
}

/// How many pages `total` rows take (at least one, so "page 1 of 1" reads right).
pub fn page_count(total: i64) -> u32 {
    let pages = (total.max(0) + PAGE_SIZE - 1) / PAGE_SIZE;
    u32::try_from(pages.max(1)).unwrap_or(u32::MAX)
}

/// The pager under a list: the position, and links to the previous and next pages
/// (`link(n)` gives the address of page `n`, with the list's filters).
pub fn pager(h: &mut Html, total: i64, page: PageNumber, link: impl Fn(u32) -> String) {
    let pages = page_count(total);
    h.raw("<nav class=\"pager\" aria-label=\"Pagination\"><p>Page ")
        .display(page.get())
        .raw(" sur ")
        .display(pages)
        .raw(" — ")
        .display(total)
        .raw(if total == 1 {
            " résultat"
        } else {
            " résultats"
        })
        .raw("</p><ul>");
    if page.get() > 1 {
        h.raw("<li><a rel=\"prev\" href=\"")
            .text(&link(page.get() - 1))
            .raw("\">Page précédente</a></li>");
    }
    if page.get() < pages {
        h.raw("<li><a rel=\"next\" href=\"")
            .text(&link(page.get() + 1))
            .raw("\">Page suivante</a></li>");
    }
    h.raw("</ul></nav>");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_are_read_leniently() {
        assert_eq!(PageNumber::from_query(None).get(), 1);
        assert_eq!(PageNumber::from_query(Some("0")).get(), 1);
        assert_eq!(PageNumber::from_query(Some("-3")).get(), 1);
        assert_eq!(PageNumber::from_query(Some("abc")).get(), 1);
        assert_eq!(PageNumber::from_query(Some("3")).storage().offset, 40);
    }

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(20), 1);
        assert_eq!(page_count(21), 2);
    }
}
