//! The page shell every portal page shares: the document head, the skip link, the top
//! menu (with the pending-approvals count for a manager), the account area and the
//! `<main>` landmark. French interface text lives here and in the page modules.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::html::Html;

/// The menu entry a page belongs to (marked `aria-current="page"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    Home,
    Invoices,
    Approvals,
    MyRequests,
    Directory,
    Account,
}

/// Who is looking at the page, as the menu shows it.
pub struct Viewer {
    pub email: String,
    /// Requests waiting for this user's decision; `None` when the user manages no
    /// structure (the menu then has no "Approbations" entry).
    pub pending_approvals: Option<u64>,
}

/// One page: its title (escaped) and its body, built by the page module.
pub struct Page<'a> {
    pub section: Section,
    pub title: &'a str,
    pub viewer: Option<&'a Viewer>,
    pub body: Html,
}

impl Page<'_> {
    pub fn render(self, status: StatusCode) -> Response {
        let mut h = Html::new();
        h.raw("<!doctype html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\">")
            .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .raw("<title>")
            .text(self.title)
            .raw(" — facteur</title>")
            .raw("<link rel=\"stylesheet\" href=\"/portail/static/portail.css\">")
            .raw("<script src=\"/portail/static/portail.js\" defer></script>")
            .raw("</head><body>")
            .raw("<a class=\"skip\" href=\"#contenu\">Aller au contenu</a>")
            .raw("<header class=\"top\"><a class=\"brand\" href=\"/portail/\">facteur</a>")
            .raw("<nav aria-label=\"Menu principal\"><ul>");
        menu_entry(&mut h, self.section, Section::Home, "/portail/", "Accueil");
        if let Some(viewer) = self.viewer {
            menu_entry(
                &mut h,
                self.section,
                Section::Invoices,
                "/portail/factures",
                "Factures",
            );
            if let Some(count) = viewer.pending_approvals {
                h.raw("<li><a href=\"/portail/approbations\"");
                current(&mut h, self.section, Section::Approvals);
                h.raw(">Approbations <span class=\"badge\" id=\"approbations-en-attente\" aria-label=\"")
                    .display(count)
                    .raw(" en attente\">")
                    .display(count)
                    .raw("</span></a></li>");
            }
            menu_entry(
                &mut h,
                self.section,
                Section::MyRequests,
                "/portail/demandes",
                "Mes demandes",
            );
        }
        menu_entry(
            &mut h,
            self.section,
            Section::Directory,
            "/portail/annuaire",
            "Annuaire",
        );
        h.raw("</ul></nav><div class=\"account\">");
        match self.viewer {
            Some(viewer) => {
                h.raw("<span class=\"who\">")
                    .text(&viewer.email)
                    .raw("</span><form method=\"post\" action=\"/portail/deconnexion\">")
                    .raw("<button type=\"submit\">Se déconnecter</button></form>");
            }
            None => {
                h.raw("<a href=\"/portail/connexion\"");
                current(&mut h, self.section, Section::Account);
                h.raw(">Se connecter</a>");
            }
        }
        h.raw("</div></header><main id=\"contenu\" tabindex=\"-1\"><h1>")
            .text(self.title)
            .raw("</h1>")
            .append(self.body)
            .raw("</main></body></html>\n");
        html_response(status, h)
    }
}

fn menu_entry(h: &mut Html, at: Section, entry: Section, path: &'static str, label: &'static str) {
    h.raw("<li><a href=\"").raw(path).raw("\"");
    current(h, at, entry);
    h.raw(">").raw(label).raw("</a></li>");
}

fn current(h: &mut Html, at: Section, entry: Section) {
    if at == entry {
        h.raw(" aria-current=\"page\"");
    }
}

/// An HTML response. The portal-wide headers (no-store, CSP, …) are added by the
/// router's layer, so no page can forget them.
pub fn html_response(status: StatusCode, h: Html) -> Response {
    let mut response = (status, h.into_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}
