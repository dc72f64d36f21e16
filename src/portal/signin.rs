//! "Connexion" and "Se déconnecter". Sign-in goes through the accounts service, so
//! its rules hold here too: one message for an unknown email and a wrong password,
//! and after 5 failures the plain lock-out message with the time it unlocks.
//! Signing in while another account's session is open closes that session first.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::PortalError;
use super::format::paris_datetime;
use super::html::Html;
use super::layout::{Page, Section};
use super::session::{SignedIn, clear_cookie, safe_return, session_token, set_cookie};
use crate::accounts::lockout::MAX_FAILURES;
use crate::accounts::password::Secret;
use crate::accounts::service::{AccountError, SESSION_SECONDS};
use crate::api::AppState;

/// What the sign-in page says above the form.
enum Notice {
    None,
    SignedOut,
    BadCredentials,
    Locked(crate::accounts::time::Instant),
}

pub async fn form(Query(params): Query<HashMap<String, String>>) -> Response {
    let notice = match params.get("fait").map(String::as_str) {
        Some("deconnecte") => Notice::SignedOut,
        _ => Notice::None,
    };
    page(
        notice,
        "",
        safe_return(params.get("retour").map(String::as_str)),
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct Credentials {
    email: String,
    password: String,
    #[serde(default)]
    retour: Option<String>,
}

pub async fn submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Result<Response, PortalError> {
    let back_to = safe_return(form.retour.as_deref()).to_string();
    // Account switching: the session of the account signed in until now ends here,
    // whatever the outcome, so its pages cannot be reached any more.
    if let Some(previous) = session_token(&headers)
        && let Ok(caller) = state.accounts.authenticate(&previous).await
    {
        state.accounts.sign_out(&caller).await?;
    }
    match state
        .accounts
        .sign_in(&form.email, &Secret::new(form.password))
        .await
    {
        Ok(session) => {
            let mut response = Redirect::to(&back_to).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                set_cookie(&session.token, SESSION_SECONDS),
            );
            Ok(response)
        }
        Err(AccountError::BadCredentials) => Ok(signed_out(page(
            Notice::BadCredentials,
            &form.email,
            &back_to,
            StatusCode::UNAUTHORIZED,
        ))),
        Err(AccountError::Locked(locked)) => Ok(signed_out(page(
            Notice::Locked(locked.until),
            &form.email,
            &back_to,
            StatusCode::LOCKED,
        ))),
        Err(e) => Err(e.into()),
    }
}

pub async fn sign_out(
    State(state): State<AppState>,
    signed_in: Option<SignedIn>,
) -> Result<Response, PortalError> {
    if let Some(signed_in) = signed_in {
        state.accounts.sign_out(&signed_in.caller).await?;
    }
    Ok(signed_out(
        Redirect::to("/portail/connexion?fait=deconnecte").into_response(),
    ))
}

/// A response that also forgets the session cookie.
fn signed_out(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::SET_COOKIE, clear_cookie());
    response
}

fn page(notice: Notice, email: &str, back_to: &str, status: StatusCode) -> Response {
    let mut body = Html::new();
    match notice {
        Notice::None => {}
        Notice::SignedOut => {
            body.raw("<p class=\"notice\" role=\"status\">Vous êtes déconnecté.</p>");
        }
        Notice::BadCredentials => {
            body.raw("<p class=\"notice-error\" id=\"connexion-erreur\" role=\"alert\">Adresse électronique ou mot de passe incorrect.</p>");
        }
        Notice::Locked(until) => {
            body.raw("<p class=\"notice-error\" id=\"connexion-erreur\" role=\"alert\">Ce compte est verrouillé après ")
                .display(MAX_FAILURES)
                .raw(" tentatives de connexion infructueuses. Il sera déverrouillé le ")
                .text(&paris_datetime(until))
                .raw(" (heure de Paris).</p>");
        }
    }
    let failed = matches!(notice, Notice::BadCredentials | Notice::Locked(_));
    body.raw("<form class=\"signin\" method=\"post\" action=\"/portail/connexion\">")
        .raw("<input type=\"hidden\" name=\"retour\" value=\"")
        .text(back_to)
        .raw("\"><p><label for=\"email\">Adresse électronique</label><br>")
        .raw("<input id=\"email\" name=\"email\" type=\"email\" required autocomplete=\"username\" value=\"")
        .text(email)
        .raw("\"");
    if failed {
        body.raw(" aria-describedby=\"connexion-erreur\"");
    } else {
        body.raw(" autofocus");
    }
    body.raw("></p><p><label for=\"password\">Mot de passe</label><br>")
        .raw("<input id=\"password\" name=\"password\" type=\"password\" required autocomplete=\"current-password\"");
    if failed {
        body.raw(" autofocus aria-describedby=\"connexion-erreur\"");
    }
    body.raw("></p><p><button type=\"submit\">Se connecter</button></p></form>");
    Page {
        section: Section::Account,
        title: "Connexion",
        viewer: None,
        body,
    }
    .render(status)
}
