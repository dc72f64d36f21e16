//! "Annuaire": look up the directory by SIREN, SIRET, routing code or addressing
//! identifier. The answer is the platform that receives today for that identifier
//! (the hub's own resolution, fallback included) and the paged list of the lines in
//! force that match. Directory lines are public data in the reform (any platform
//! consults the annuaire), so this page is not partitioned by account.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::PortalError;
use super::html::{Html, href};
use super::layout::{Page, Section};
use super::paging::{PageNumber, pager};
use super::session::SignedIn;
use crate::api::AppState;
use crate::directory::Day;
use crate::directory::model::{Line, Platform, parts_of};
use crate::identifiers::{AddressingId, Matricule, RoutingCode, Siren, Siret};
use crate::storage::Bind;
use crate::storage::search::{Sort, Where};

const PATH: &str = "/portail/annuaire";

/// What the search field holds, as the "Rechercher par" list names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Siren,
    Siret,
    RoutingCode,
    Addressing,
}

impl Kind {
    const ALL: [Kind; 4] = [
        Kind::Siren,
        Kind::Siret,
        Kind::RoutingCode,
        Kind::Addressing,
    ];

    fn param(self) -> &'static str {
        match self {
            Kind::Siren => "siren",
            Kind::Siret => "siret",
            Kind::RoutingCode => "code",
            Kind::Addressing => "adresse",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Siren => "SIREN",
            Kind::Siret => "SIRET",
            Kind::RoutingCode => "Code de routage",
            Kind::Addressing => "Identifiant d'adressage",
        }
    }

    fn from_param(value: Option<&str>) -> Kind {
        Kind::ALL
            .into_iter()
            .find(|k| Some(k.param()) == value)
            .unwrap_or(Kind::Siren)
    }
}

/// A search the user typed, parsed: the filter on the lines table and, for a full
/// addressing identifier, what the resolution should be asked.
struct Search {
    filter: Where,
    resolve: Option<AddressingId>,
}

fn parse_search(kind: Kind, value: &str) -> Result<Search, &'static str> {
    let mut filter = Where::default();
    let resolve = match kind {
        Kind::Siren => {
            let siren = Siren::parse(value)
                .map_err(|_| "Le SIREN doit compter 9 chiffres et respecter sa clé de contrôle.")?;
            filter.eq("siren", Bind::Text(siren.to_string()));
            Some(AddressingId::Siren(siren))
        }
        Kind::Siret => {
            let siret = Siret::parse(value).map_err(
                |_| "Le SIRET doit compter 14 chiffres et respecter sa clé de contrôle.",
            )?;
            filter.eq("siret", Bind::Text(siret.to_string()));
            Some(AddressingId::Siret(siret))
        }
        Kind::RoutingCode => {
            let code = RoutingCode::parse(value).map_err(|_| {
                "Le code de routage ne peut contenir que des lettres, des chiffres, « - » et « _ » (100 caractères au plus)."
            })?;
            filter.eq("routing_code", Bind::Text(code.to_string()));
            // A routing code alone names no mailbox: it belongs to a SIRET.
            None
        }
        Kind::Addressing => {
            let addressing = AddressingId::parse(value).map_err(|_| {
                "L'identifiant d'adressage doit être de la forme SIREN, SIREN_SIRET, SIREN_SIRET_CODE ou SIREN_SUFFIXE."
            })?;
            filter.eq("addressing_id", Bind::Text(addressing.to_string()));
            Some(addressing)
        }
    };
    Ok(Search { filter, resolve })
}

pub async fn lookup(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PortalError> {
    let viewer = signed_in.map(|s| s.viewer);
    let kind = Kind::from_param(params.get("par").map(String::as_str));
    let value = params.get("q").map(|v| v.trim()).unwrap_or("");
    let page = PageNumber::from_query(params.get("page").map(String::as_str));
    let mut body = Html::new();
    if value.is_empty() {
        form(&mut body, kind, value, None);
        return Ok(Page {
            section: Section::Directory,
            title: "Annuaire",
            viewer: viewer.as_ref(),
            body,
        }
        .render(StatusCode::OK));
    }
    let search = match parse_search(kind, value) {
        Ok(search) => search,
        Err(message) => {
            form(&mut body, kind, value, Some(message));
            return Ok(Page {
                section: Section::Directory,
                title: "Annuaire",
                viewer: viewer.as_ref(),
                body,
            }
            .render(StatusCode::BAD_REQUEST));
        }
    };
    form(&mut body, kind, value, None);
    let directory = &state.directory;
    let today = directory.today();
    let platforms = directory.db().platforms().await?;
    let mut filter = search.filter;
    filter.in_force_on(today);
    let sort = [Sort {
        column: "addressing_id",
        descending: false,
    }];
    let (total, lines) = directory
        .db()
        .search_lines(&filter, &sort, page.storage())
        .await?;

    body.raw("<section aria-labelledby=\"resultats\"><h2 id=\"resultats\">Résultats pour ")
        .text(kind.label())
        .raw(" ")
        .text(value)
        .raw("</h2>");
    if let Some(addressing) = &search.resolve {
        resolution(
            &mut body,
            addressing,
            today,
            &platforms,
            directory.resolve(addressing, today),
        );
    }
    lines_table(&mut body, &lines, today, &platforms);
    pager(&mut body, total, page, |n| {
        href(
            PATH,
            &[
                ("par", kind.param()),
                ("q", value),
                ("page", &n.to_string()),
            ],
        )
    });
    body.raw("</section>");
    Ok(Page {
        section: Section::Directory,
        title: "Annuaire",
        viewer: viewer.as_ref(),
        body,
    }
    .render(StatusCode::OK))
}

fn form(h: &mut Html, kind: Kind, value: &str, error: Option<&'static str>) {
    h.raw("<form class=\"search\" method=\"get\" action=\"/portail/annuaire\" role=\"search\">")
        .raw("<p><label for=\"par\">Rechercher par</label> <select id=\"par\" name=\"par\">");
    for k in Kind::ALL {
        h.raw("<option value=\"").raw(k.param()).raw("\"");
        if k == kind {
            h.raw(" selected");
        }
        h.raw(">").raw(k.label()).raw("</option>");
    }
    h.raw("</select></p><p><label for=\"q\">Identifiant</label> ")
        .raw("<input id=\"q\" name=\"q\" required autocomplete=\"off\" value=\"")
        .text(value)
        .raw("\"");
    if error.is_some() {
        h.raw(" aria-invalid=\"true\" aria-describedby=\"q-erreur\" autofocus");
    }
    h.raw("> <button type=\"submit\">Rechercher</button></p>");
    if let Some(message) = error {
        h.raw("<p class=\"error\" id=\"q-erreur\" role=\"alert\">")
            .raw(message)
            .raw("</p>");
    }
    h.raw("</form>");
}

fn resolution(
    h: &mut Html,
    addressing: &AddressingId,
    today: Day,
    platforms: &[Platform],
    resolved: Option<crate::directory::index::Resolved>,
) {
    h.raw("<div class=\"resolution\" id=\"resolution\"><h3>Plateforme de réception le ")
        .display(today)
        .raw("</h3>");
    match resolved.and_then(|r| r.matricule().map(|m| (r, m))) {
        Some((resolved, matricule)) => {
            h.raw("<p>Les factures adressées à <strong>")
                .display(addressing)
                .raw("</strong> sont reçues par ");
            platform_name(h, matricule, platforms);
            h.raw(" (ligne n° ")
                .display(resolved.line.id)
                .raw(", niveau ")
                .raw(resolved.level.name())
                .raw(").</p>");
        }
        None => {
            h.raw("<p>Aucune ligne en vigueur ne désigne de plateforme pour <strong>")
                .display(addressing)
                .raw("</strong>.</p>");
        }
    }
    h.raw("</div>");
}

fn lines_table(h: &mut Html, lines: &[Line], today: Day, platforms: &[Platform]) {
    if lines.is_empty() {
        h.raw("<p id=\"aucune-ligne\">Aucune ligne en vigueur.</p>");
        return;
    }
    h.raw("<table class=\"list\" id=\"lignes\"><caption>Lignes en vigueur le ")
        .display(today)
        .raw("</caption><thead><tr><th scope=\"col\">Identifiant d'adressage</th>")
        .raw("<th scope=\"col\">SIREN</th><th scope=\"col\">SIRET</th>")
        .raw("<th scope=\"col\">Code de routage</th><th scope=\"col\">Suffixe</th>")
        .raw("<th scope=\"col\">Début</th><th scope=\"col\">Fin</th>")
        .raw("<th scope=\"col\">Plateforme</th><th scope=\"col\">Statut</th></tr></thead><tbody>");
    for line in lines {
        let (siren, siret, code, suffix) = parts_of(&line.addressing);
        h.raw("<tr><th scope=\"row\">")
            .display(&line.addressing)
            .raw("</th><td>")
            .display(siren)
            .raw("</td><td>");
        if let Some(siret) = siret {
            h.display(siret);
        }
        h.raw("</td><td>");
        if let Some(code) = code {
            h.display(code);
        }
        h.raw("</td><td>");
        if let Some(suffix) = suffix {
            h.display(suffix);
        }
        h.raw("</td><td>").display(line.start).raw("</td><td>");
        match line.stop() {
            Some(stop) => h.display(stop),
            None => h.raw("—"),
        };
        h.raw("</td><td>");
        platform_name(h, line.matricule, platforms);
        h.raw("</td><td>");
        let active = platforms
            .iter()
            .any(|p| p.matricule == line.matricule && p.is_active_on(today));
        h.raw(if active { "Active" } else { "Inactive" });
        h.raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}

fn platform_name(h: &mut Html, matricule: Matricule, platforms: &[Platform]) {
    h.display(matricule);
    if let Some(p) = platforms.iter().find(|p| p.matricule == matricule) {
        h.raw(" — ").text(&p.name);
    }
}
