//! "Factures": the invoices a person follows. The list (paged, filtered by status,
//! issue dates and counterpart), an invoice's page (its lifecycle history with the
//! statuses' French labels, the findings of a rejection) and the download of the
//! original. Which invoices is the accounts service's answer (`my_invoices`,
//! `my_invoice`, `my_invoice_document`, decided by `accounts::policy`): an invoice of
//! others reads exactly like one that does not exist.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::PortalError;
use super::format::paris_timestamp;
use super::html::{Html, href};
use super::layout::{Page, Section};
use super::paging::{PageNumber, pager};
use super::session::SignedIn;
use crate::api::AppState;
use crate::api::accounts::invoices::document_response;
use crate::lifecycle::Status;
use crate::lifecycle::status::ALL;
use crate::storage::{InvoiceFilter, InvoiceRecord};

const PATH: &str = "/portail/factures";

/// A `YYYY-MM-DD` date as `<input type="date">` sends it; anything else is ignored.
fn date(value: Option<&String>) -> Option<String> {
    let value = value?.trim();
    let ok = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    ok.then(|| value.to_string())
}

fn filter_of(params: &HashMap<String, String>) -> InvoiceFilter {
    InvoiceFilter {
        status: params
            .get("statut")
            .and_then(|s| Status::parse(s.trim()).ok()),
        from: date(params.get("du")),
        to: date(params.get("au")),
        counterpart: params
            .get("contrepartie")
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty()),
    }
}

fn day(value: Option<&str>) -> String {
    match value {
        Some(d) if d.len() == 10 => format!("{}/{}/{}", &d[8..10], &d[5..7], &d[0..4]),
        Some(d) => d.to_string(),
        None => "—".to_string(),
    }
}

fn party(h: &mut Html, name: Option<&str>, siren: Option<&str>) {
    h.text(name.unwrap_or("—"));
    if let Some(siren) = siren {
        h.raw(" <span class=\"muted\">(SIREN ")
            .text(siren)
            .raw(")</span>");
    }
}

fn filters_form(h: &mut Html, filter: &InvoiceFilter) {
    h.raw("<form method=\"get\" action=\"/portail/factures\" class=\"search filters\" role=\"search\">")
        .raw("<label for=\"statut\">Statut</label><select id=\"statut\" name=\"statut\">")
        .raw("<option value=\"\">Tous</option>");
    // The invoice lifecycle's statuses (2xx); the others are e-reporting's and the
    // directory's.
    for status in ALL.iter().filter(|s| (200..300).contains(&s.code())) {
        h.raw("<option value=\"").display(status.code()).raw("\"");
        if filter.status == Some(*status) {
            h.raw(" selected");
        }
        h.raw(">")
            .display(status.code())
            .raw(" — ")
            .text(status.label())
            .raw("</option>");
    }
    h.raw("</select><label for=\"du\">Émise du</label><input type=\"date\" id=\"du\" name=\"du\" value=\"")
        .text(filter.from.as_deref().unwrap_or(""))
        .raw("\"><label for=\"au\">au</label><input type=\"date\" id=\"au\" name=\"au\" value=\"")
        .text(filter.to.as_deref().unwrap_or(""))
        .raw("\"><label for=\"contrepartie\">Contrepartie (SIREN ou nom)</label><input type=\"search\" id=\"contrepartie\" name=\"contrepartie\" value=\"")
        .text(filter.counterpart.as_deref().unwrap_or(""))
        .raw("\"><button type=\"submit\">Filtrer</button></form>");
}

fn invoice_link(h: &mut Html, invoice: &InvoiceRecord) {
    h.raw("<a href=\"/portail/factures/")
        .text(&invoice.id)
        .raw("\">")
        .text(invoice.invoice_number.as_deref().unwrap_or("(sans numéro)"))
        .raw("</a>");
}

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PortalError> {
    let page = PageNumber::from_query(params.get("page").map(String::as_str));
    let filter = filter_of(&params);
    let (total, invoices) = state
        .accounts
        .my_invoices(&signed_in.caller, &filter, page.storage())
        .await?;
    let mut body = Html::new();
    filters_form(&mut body, &filter);
    if invoices.is_empty() {
        body.raw("<p id=\"aucune-facture\">Aucune facture ne correspond.</p>");
    } else {
        body.raw("<table id=\"factures\"><caption>Vos factures, les plus récentes d'abord</caption><thead><tr>")
            .raw("<th scope=\"col\">Numéro</th><th scope=\"col\">Émise le</th><th scope=\"col\">Vendeur</th>")
            .raw("<th scope=\"col\">Acheteur</th><th scope=\"col\">Statut</th><th scope=\"col\">Reçue le</th></tr></thead><tbody>");
        for invoice in &invoices {
            body.raw("<tr data-facture=\"")
                .text(&invoice.id)
                .raw("\"><td>");
            invoice_link(&mut body, invoice);
            body.raw("</td><td>")
                .text(&day(invoice.issue_date.as_deref()))
                .raw("</td><td>");
            party(
                &mut body,
                invoice.parties.seller_name.as_deref(),
                invoice.seller_siren.as_deref(),
            );
            body.raw("</td><td>");
            party(
                &mut body,
                invoice.parties.buyer_name.as_deref(),
                invoice.buyer_siren.as_deref(),
            );
            body.raw("</td><td>")
                .text(invoice.status.label())
                .raw("</td><td>")
                .text(&paris_timestamp(&invoice.received_at))
                .raw("</td></tr>");
        }
        body.raw("</tbody></table>");
    }
    let status = filter
        .status
        .map(|s| s.code().to_string())
        .unwrap_or_default();
    pager(&mut body, total, page, |n| {
        href(
            PATH,
            &[
                ("statut", &status),
                ("du", filter.from.as_deref().unwrap_or("")),
                ("au", filter.to.as_deref().unwrap_or("")),
                ("contrepartie", filter.counterpart.as_deref().unwrap_or("")),
                ("page", &n.to_string()),
            ],
        )
    });
    Ok(Page {
        section: Section::Invoices,
        title: "Factures",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(StatusCode::OK))
}

/// One invoice: its facts, its lifecycle (oldest first, with labels), the findings
/// of a rejection, and the link to the original.
pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let mine = state.accounts.my_invoice(&signed_in.caller, &id).await?;
    let invoice = &mine.record;
    let mut body = Html::new();
    body.raw("<dl class=\"facts\"><dt>Numéro</dt><dd id=\"numero\">")
        .text(invoice.invoice_number.as_deref().unwrap_or("(sans numéro)"))
        .raw("</dd><dt>Émise le</dt><dd>")
        .text(&day(invoice.issue_date.as_deref()))
        .raw("</dd><dt>Vendeur</dt><dd>");
    party(
        &mut body,
        invoice.parties.seller_name.as_deref(),
        invoice.seller_siren.as_deref(),
    );
    body.raw("</dd><dt>Acheteur</dt><dd>");
    party(
        &mut body,
        invoice.parties.buyer_name.as_deref(),
        invoice.buyer_siren.as_deref(),
    );
    body.raw("</dd><dt>Adresse du destinataire</dt><dd>")
        .text(invoice.recipient_address.as_deref().unwrap_or("—"))
        .raw("</dd><dt>Format</dt><dd>")
        .text(&invoice.syntax)
        .raw("</dd><dt>Statut</dt><dd id=\"statut-actuel\">")
        .text(invoice.status.label())
        .raw("</dd></dl>")
        .raw("<p><a class=\"button\" id=\"telecharger-original\" href=\"/portail/factures/")
        .text(&invoice.id)
        .raw("/original\" download>Télécharger l'original</a></p>")
        .raw("<h2>Cycle de vie</h2><ol id=\"historique\" class=\"history\">");
    for record in &mine.history {
        let label = Status::try_from(record.status)
            .map(Status::label)
            .unwrap_or("Statut inconnu");
        body.raw("<li><strong>")
            .display(record.status)
            .raw(" — ")
            .text(label)
            .raw("</strong>, le ")
            .text(&paris_timestamp(&record.recorded_at))
            .raw(" (plateforme ")
            .display(format_args!("{:04}", record.set_by))
            .raw(")");
        if !record.reasons.is_empty() {
            body.raw(" — motifs : ").text(&record.reasons.join(", "));
        }
        if let Some(comment) = &record.comment {
            body.raw(" — « ").text(comment).raw(" »");
        }
        body.raw("</li>");
    }
    body.raw("</ol><h2>Constats</h2>");
    if invoice.failures.is_empty() {
        body.raw("<p id=\"aucun-constat\">Aucune anomalie relevée à la réception.</p>");
    } else {
        body.raw("<ul id=\"constats\">");
        for failure in &invoice.failures {
            body.raw("<li><code>")
                .text(&failure.rule)
                .raw("</code> (")
                .text(&failure.reason)
                .raw(") : ")
                .text(&failure.message)
                .raw("</li>");
        }
        body.raw("</ul>");
    }
    body.raw("<p><a href=\"/portail/factures\">Retour à la liste</a></p>");
    Ok(Page {
        section: Section::Invoices,
        title: "Facture",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(StatusCode::OK))
}

/// The original document, as received.
pub async fn original(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, PortalError> {
    let (invoice, bytes) = state
        .accounts
        .my_invoice_document(&signed_in.caller, &id)
        .await?;
    Ok(document_response(&invoice, bytes))
}
