//! "Approbations" (the requests a manager decides) and "Mes demandes" (a requester's
//! own requests with their outcome and reason). What each person may see and decide
//! is the accounts service's answer (`pending`, `request`, `decide`, `my_requests`):
//! the portal adds no rule of its own and asks nothing without the signed-in caller.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PortalError;
use super::format::paris_timestamp;
use super::html::{Html, href};
use super::layout::{Page, Section};
use super::paging::{PAGE_SIZE, PageNumber, pager};
use super::session::SignedIn;
use crate::accounts::model::{Right, Scope};
use crate::accounts::policy::{Action, authorize};
use crate::accounts::service::{Outcome, RequestView};
use crate::accounts::workflow::Decision;
use crate::api::AppState;

pub async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, PortalError> {
    let page = PageNumber::from_query(params.get("page").map(String::as_str));
    let (total, requests) = state
        .accounts
        .pending(
            &signed_in.caller,
            (page.get() - 1) as usize,
            PAGE_SIZE as usize,
        )
        .await?;
    let mut body = Html::new();
    decision_notice(&mut body, &params);
    if requests.is_empty() {
        body.raw("<p id=\"aucune-demande\">Aucune demande n'attend votre décision.</p>");
    } else {
        requests_table(
            &mut body,
            "Demandes en attente de votre décision",
            &requests,
        );
    }
    pager(&mut body, total as i64, page, |n| {
        href("/portail/approbations", &[("page", &n.to_string())])
    });
    Ok(Page {
        section: Section::Approvals,
        title: "Approbations",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(StatusCode::OK))
}

pub async fn mine(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, PortalError> {
    let requests = state.accounts.my_requests(&signed_in.caller).await?;
    let mut body = Html::new();
    if requests.is_empty() {
        body.raw("<p>Vous n'avez fait aucune demande.</p>");
    } else {
        requests_table(&mut body, "Vos demandes", &requests);
    }
    Ok(Page {
        section: Section::MyRequests,
        title: "Mes demandes",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(StatusCode::OK))
}

/// One request: what it asks, who asked, the comment, and who decided; the
/// decision buttons when the signed-in manager may decide it.
pub async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PortalError> {
    let request = state.accounts.request(&signed_in.caller, id).await?;
    let decides = may_decide(&signed_in, &request);
    let mut body = Html::new();
    facts(&mut body, &request);
    if decides {
        body.raw("<div class=\"actions\"><form method=\"post\" action=\"/portail/approbations/")
            .display(request.id)
            .raw("/approuver\"><button type=\"submit\" id=\"approuver\">Approuver</button></form>")
            .raw("<a class=\"button danger\" role=\"button\" id=\"refuser\" data-opens-dialog=\"dialogue-refus\" href=\"/portail/approbations/")
            .display(request.id)
            .raw("/refuser\">Refuser</a></div>")
            .raw("<dialog id=\"dialogue-refus\" aria-labelledby=\"dialogue-refus-titre\">")
            .raw("<h2 id=\"dialogue-refus-titre\">Refuser la demande</h2>");
        refusal_form(&mut body, request.id, None);
        body.raw("</dialog>");
    }
    body.raw("<p><a href=\"")
        .raw(if decides {
            "/portail/approbations"
        } else {
            "/portail/demandes"
        })
        .raw("\">Retour à la liste</a></p>");
    Ok(Page {
        // A requester reaches their request from "Mes demandes".
        section: if decides {
            Section::Approvals
        } else {
            Section::MyRequests
        },
        title: "Demande",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(StatusCode::OK))
}

pub async fn approve(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PortalError> {
    state
        .accounts
        .decide(&signed_in.caller, id, Decision::Approve)
        .await?;
    Ok(Redirect::to(&href(
        "/portail/approbations",
        &[("fait", "approuvee"), ("demande", &id.to_string())],
    ))
    .into_response())
}

/// The refusal form as a page of its own: where "Refuser" leads without the script,
/// and where an empty reason is sent back.
pub async fn refusal_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
) -> Result<Response, PortalError> {
    let request = state.accounts.request(&signed_in.caller, id).await?;
    Ok(refusal(&signed_in, &request, None, StatusCode::OK))
}

#[derive(Deserialize)]
pub struct Refusal {
    #[serde(default)]
    motif: String,
}

pub async fn refuse(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Path(id): Path<i64>,
    Form(form): Form<Refusal>,
) -> Result<Response, PortalError> {
    let reason = form.motif.trim();
    if reason.is_empty() {
        let request = state.accounts.request(&signed_in.caller, id).await?;
        return Ok(refusal(
            &signed_in,
            &request,
            Some("Indiquez le motif du refus : le demandeur le verra."),
            StatusCode::BAD_REQUEST,
        ));
    }
    state
        .accounts
        .decide(
            &signed_in.caller,
            id,
            Decision::Refuse {
                reason: reason.to_string(),
            },
        )
        .await?;
    Ok(Redirect::to(&href(
        "/portail/approbations",
        &[("fait", "refusee"), ("demande", &id.to_string())],
    ))
    .into_response())
}

fn refusal(
    signed_in: &SignedIn,
    request: &RequestView,
    error: Option<&'static str>,
    status: StatusCode,
) -> Response {
    let mut body = Html::new();
    facts(&mut body, request);
    refusal_form(&mut body, request.id, error);
    Page {
        section: Section::Approvals,
        title: "Refuser la demande",
        viewer: Some(&signed_in.viewer),
        body,
    }
    .render(status)
}

fn refusal_form(h: &mut Html, id: i64, error: Option<&'static str>) {
    h.raw("<form method=\"post\" action=\"/portail/approbations/")
        .display(id)
        .raw("/refuser\"><p><label for=\"motif\">Motif du refus (obligatoire)</label><br>")
        .raw("<textarea id=\"motif\" name=\"motif\" rows=\"4\" required aria-describedby=\"motif-aide");
    if error.is_some() {
        h.raw(" motif-erreur\" aria-invalid=\"true\" autofocus");
    } else {
        h.raw("\"");
    }
    h.raw("></textarea></p><p id=\"motif-aide\">Le demandeur verra ce motif.</p>");
    if let Some(message) = error {
        h.raw("<p class=\"error\" id=\"motif-erreur\" role=\"alert\">")
            .raw(message)
            .raw("</p>");
    }
    h.raw("<div class=\"actions\"><button type=\"submit\" class=\"danger\" id=\"confirmer-refus\">Confirmer le refus</button>")
        .raw("<button type=\"button\" class=\"secondary\" data-closes-dialog>Annuler</button></div></form>");
}

/// Whether the signed-in user may decide this request: pending, not their own, and
/// within a scope the policy lets them decide.
fn may_decide(signed_in: &SignedIn, request: &RequestView) -> bool {
    let scope = match &request.service {
        Some(service) => Scope::Service {
            structure: request.structure.id,
            service: service.id,
        },
        None => Scope::Structure {
            structure: request.structure.id,
        },
    };
    request.state == Outcome::Pending
        && request.requester.id != signed_in.caller.principal.user
        && authorize(&signed_in.caller.principal, Action::DecideRequests(scope)).is_ok()
}

fn decision_notice(h: &mut Html, params: &HashMap<String, String>) {
    let Some(id) = params.get("demande").and_then(|v| v.parse::<i64>().ok()) else {
        return;
    };
    let verb = match params.get("fait").map(String::as_str) {
        Some("approuvee") => "approuvée",
        Some("refusee") => "refusée",
        _ => return,
    };
    h.raw("<p class=\"notice\" role=\"status\" id=\"decision\">La demande n° ")
        .display(id)
        .raw(" a été ")
        .raw(verb)
        .raw(".</p>");
}

fn state_label(state: Outcome) -> &'static str {
    match state {
        Outcome::Pending => "En attente",
        Outcome::Approved => "Approuvée",
        Outcome::Refused => "Refusée",
    }
}

fn right_label(right: Right) -> &'static str {
    match right {
        Right::SubmitInvoices => "déposer des factures",
        Right::ReadInvoices => "consulter les factures",
        Right::ManageDirectory => "gérer les lignes d'annuaire",
        Right::ManageUsers => "gérer les utilisateurs",
    }
}

/// What a request asks, in French (the service's own description is English).
fn describe(h: &mut Html, request: &RequestView) {
    if request.rights.is_empty() {
        h.raw("Rattachement à ");
    } else {
        h.raw("Droits supplémentaires (");
        for (i, right) in request.rights.iter().enumerate() {
            if i > 0 {
                h.raw(", ");
            }
            h.raw(right_label(*right));
        }
        h.raw(") sur ");
    }
    h.text(&request.structure.name);
    if let Some(service) = &request.service {
        h.raw(" — service ").text(&service.name);
    }
}

fn requests_table(h: &mut Html, caption: &'static str, requests: &[RequestView]) {
    h.raw("<table class=\"list\" id=\"demandes\"><caption>")
        .raw(caption)
        .raw("</caption><thead><tr><th scope=\"col\">État</th><th scope=\"col\">Description</th>")
        .raw("<th scope=\"col\">Demandeur</th><th scope=\"col\">Structure</th>")
        .raw("<th scope=\"col\">Service</th><th scope=\"col\">Date de la demande</th></tr></thead><tbody>");
    for r in requests {
        h.raw("<tr data-demande=\"")
            .display(r.id)
            .raw("\"><td>")
            .raw(state_label(r.state))
            .raw("</td><td><a href=\"/portail/approbations/")
            .display(r.id)
            .raw("\">");
        describe(h, r);
        h.raw("</a>");
        if let Some(reason) = &r.reason {
            h.raw("<br><span class=\"reason\">Motif du refus : ")
                .text(reason)
                .raw("</span>");
        }
        h.raw("</td><td>")
            .text(&r.requester.email)
            .raw("</td><td>")
            .text(&r.structure.name)
            .raw(" (")
            .text(&r.structure.siren)
            .raw(")</td><td>");
        match &r.service {
            Some(service) => h.text(&service.name),
            None => h.raw("—"),
        };
        h.raw("</td><td>")
            .text(&paris_timestamp(&r.created_at))
            .raw("</td></tr>");
    }
    h.raw("</tbody></table>");
}

fn facts(h: &mut Html, r: &RequestView) {
    h.raw("<dl class=\"facts\" id=\"demande\"><dt>Description</dt><dd>");
    describe(h, r);
    h.raw("</dd><dt>État</dt><dd id=\"etat\">")
        .raw(state_label(r.state))
        .raw("</dd><dt>Demandeur</dt><dd id=\"demandeur\">")
        .text(&r.requester.email)
        .raw("</dd><dt>Structure</dt><dd>")
        .text(&r.structure.name)
        .raw(" (")
        .text(&r.structure.siren)
        .raw(")</dd><dt>Service</dt><dd>");
    match &r.service {
        Some(service) => h.text(&service.name),
        None => h.raw("—"),
    };
    h.raw("</dd><dt>Commentaire</dt><dd id=\"commentaire\">")
        .text(&r.comment)
        .raw("</dd><dt>Date de la demande</dt><dd>")
        .text(&paris_timestamp(&r.created_at))
        .raw("</dd><dt>Approbateur</dt><dd id=\"approbateur\">");
    match &r.approver {
        Some(approver) => h.text(&approver.email),
        None => h.raw("—"),
    };
    h.raw("</dd>");
    if let Some(at) = &r.decided_at {
        h.raw("<dt>Décision le</dt><dd>")
            .text(&paris_timestamp(at))
            .raw("</dd>");
    }
    if let Some(reason) = &r.reason {
        h.raw("<dt>Motif du refus</dt><dd id=\"motif-refus\">")
            .text(reason)
            .raw("</dd>");
    }
    h.raw("</dl>");
}
