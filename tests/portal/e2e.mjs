// End-to-end scenarios of the facteur portal in Debian's headless Chromium, driven by
// playwright-core. Started by tests/it/portal_browser.rs, which serves the portal on a
// seeded database and passes:
//   PORTAL_URL      the portal's base address (http://127.0.0.1:PORT)
//   SCREENSHOT_DIR  where each page's screenshot is written
//   PORTAL_WORLD    JSON: what the seed holds (identifiers, accounts) — see the Rust side
//   CHROMIUM        the browser binary (default /usr/bin/chromium)
// Prints one line per scenario and closes with "N passed, N failed"; exits 1 on failure.

import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";

const base = process.env.PORTAL_URL;
const shots = process.env.SCREENSHOT_DIR;
const world = JSON.parse(process.env.PORTAL_WORLD ?? "{}");
assert.ok(base, "PORTAL_URL is required");
assert.ok(shots, "SCREENSHOT_DIR is required");
mkdirSync(shots, { recursive: true });

// Flags as the machine notes require: no sandbox as root, and no background
// networking, which the closed network refuses.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}

/// Presses Tab until `selector` has the focus (at most `max` times): the page can be
/// reached with the keyboard alone, in document order.
async function tabTo(page, selector, max = 30) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((s) => document.activeElement?.matches(s), selector)) return;
  }
  assert.fail(`${selector} cannot be reached with Tab`);
}

const scenarios = {
  async "look up a directory line with the keyboard"(context) {
    const page = await context.newPage();
    await page.goto(`${base}/portail/annuaire`);
    await screenshot(page, "annuaire");
    // The first Tab lands on the skip link, which leads to the main content.
    await page.keyboard.press("Tab");
    assert.equal(await page.evaluate(() => document.activeElement.textContent), "Aller au contenu");
    await tabTo(page, "#par");
    await page.keyboard.press("ArrowDown"); // SIREN -> SIRET
    await tabTo(page, "#q");
    await page.keyboard.type(world.siret);
    await page.keyboard.press("Enter");
    await page.waitForSelector("#resolution");
    assert.match(await page.textContent("#resolution"), /sont reçues par 0002 — Beta/);
    assert.equal(await page.locator("#lignes tbody tr").count(), 20);
    assert.match(await page.textContent(".pager"), /Page 1 sur 3/);
    await screenshot(page, "annuaire-resultats");
    // Paging, by the "next page" link.
    await page.getByRole("link", { name: "Page suivante" }).click();
    await page.waitForURL(/page=2/);
    assert.match(await page.textContent(".pager"), /Page 2 sur 3/);
    // A value that looks like markup is shown as text: no script ran.
    await page.goto(`${base}/portail/annuaire?par=adresse&q=${world.siren}_FACTURES`);
    assert.match(await page.textContent("#resolution"), /<script>alert\('gamma'\)<\/script> & Cie/);
    assert.deepEqual(
      await page.evaluate(() => [...document.scripts].map((s) => s.getAttribute("src"))),
      ["/portail/static/portail.js"],
    );
    // A bad SIREN: the error is announced and tied to its field.
    await page.goto(`${base}/portail/annuaire?par=siren&q=12345`);
    assert.equal(await page.getAttribute("#q", "aria-invalid"), "true");
    assert.match(await page.textContent("#q-erreur"), /9 chiffres/);
    await screenshot(page, "annuaire-erreur");
  },

  async "be locked out after 5 bad passwords, with the time it unlocks"(context) {
    const page = await context.newPage();
    for (let attempt = 1; attempt <= 5; attempt++) {
      await signIn(page, world.people.dave, "mauvais mot de passe");
      if (attempt < 5) {
        assert.equal(
          (await page.textContent("#connexion-erreur")).trim(),
          "Adresse électronique ou mot de passe incorrect.",
        );
      }
    }
    assert.equal(
      (await page.textContent("#connexion-erreur")).trim(),
      "Ce compte est verrouillé après 5 tentatives de connexion infructueuses. " +
        "Il sera déverrouillé le 28/11/2026 à 03:00 (heure de Paris).",
    );
    // The message is announced, and the email typed is kept.
    assert.equal(await page.getAttribute("#connexion-erreur", "role"), "alert");
    assert.equal(await page.inputValue("#email"), world.people.dave);
    await screenshot(page, "connexion-verrouillee");
    // The right password does not open a locked account.
    await signIn(page, world.people.dave, world.password);
    assert.match(await page.textContent("#connexion-erreur"), /verrouillé/);
  },

  async "sign in, see the approvals count, approve one"(context) {
    const page = await context.newPage();
    await page.goto(`${base}/portail/connexion`);
    await screenshot(page, "connexion");
    await signIn(page, world.people.m1, world.password);
    assert.equal(new URL(page.url()).pathname, "/portail/");
    assert.equal(await badge(page), "2");
    await screenshot(page, "accueil-gestionnaire");
    await menu(page).getByRole("link", { name: /Approbations/ }).click();
    await page.waitForSelector("#demandes");
    const rows = page.locator("#demandes tbody tr");
    assert.equal(await rows.count(), 2);
    const header = await page.locator("#demandes thead").textContent();
    for (const column of ["État", "Description", "Demandeur", "Structure", "Service", "Date de la demande"]) {
      assert.ok(header.includes(column), column);
    }
    await screenshot(page, "approbations");
    // Clicking the description opens the request.
    await page.locator(`tr[data-demande="${world.requests.alice}"] a`).click();
    await page.waitForSelector("#demande");
    assert.equal(await page.textContent("#demandeur"), world.people.alice);
    assert.equal(await page.textContent("#commentaire"), "Alice rejoint la comptabilité");
    assert.equal(await page.textContent("#approbateur"), "—");
    await screenshot(page, "demande");
    await page.click("#approuver");
    await page.waitForSelector("#decision");
    assert.equal(new URL(page.url()).pathname, "/portail/approbations");
    assert.match(await page.textContent("#decision"), /a été approuvée/);
    assert.equal(await badge(page), "1");
    assert.equal(await page.locator(`tr[data-demande="${world.requests.alice}"]`).count(), 0);
  },

  async "refuse one with a reason, in the dialog, with the keyboard"(context) {
    const page = await context.newPage();
    await signIn(page, world.people.m1, world.password);
    await page.goto(`${base}/portail/approbations/${world.requests.bob}`);
    await page.focus("#refuser");
    await page.keyboard.press("Enter");
    const dialog = page.locator("#dialogue-refus");
    await dialog.waitFor({ state: "visible" });
    // The dialog takes the focus, in the reason field.
    assert.equal(await page.evaluate(() => document.activeElement.id), "motif");
    await screenshot(page, "refus-dialogue");
    // Escape closes it and gives the focus back to "Refuser".
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    assert.equal(await page.evaluate(() => document.activeElement.id), "refuser");
    // A refusal without a reason is not sent.
    await page.keyboard.press("Enter");
    await dialog.waitFor({ state: "visible" });
    await page.click("#confirmer-refus");
    assert.ok(await dialog.isVisible(), "the dialog closed without a reason");
    assert.equal(new URL(page.url()).pathname, `/portail/approbations/${world.requests.bob}`);
    await page.keyboard.type("Le service Achats est complet");
    await page.click("#confirmer-refus");
    await page.waitForSelector("#decision");
    assert.equal(new URL(page.url()).pathname, "/portail/approbations");
    assert.match(await page.textContent("#decision"), /a été refusée/);
    assert.equal(await badge(page), "0");
    await screenshot(page, "approbations-apres-refus");
  },

  async "see the refused request's reason as the requester"(context) {
    const page = await context.newPage();
    await signIn(page, world.people.bob, world.password);
    // A requester has no approvals entry.
    assert.equal(await page.locator("#approbations-en-attente").count(), 0);
    await menu(page).getByRole("link", { name: "Mes demandes" }).click();
    const row = page.locator(`tr[data-demande="${world.requests.bob}"]`);
    assert.match(await row.textContent(), /Refusée/);
    assert.match(await row.textContent(), /Motif du refus : Le service Achats est complet/);
    await screenshot(page, "mes-demandes");
    await row.locator("a").click();
    assert.equal(await page.textContent("#motif-refus"), "Le service Achats est complet");
    assert.equal(await page.textContent("#approbateur"), world.people.m1);
    await screenshot(page, "demande-refusee");
  },

  async "never see another structure's or service's data, even after switching accounts"(context) {
    const page = await context.newPage();
    const visit = async (who, forbidden) => {
      for (const path of [
        "/portail/",
        "/portail/approbations",
        "/portail/demandes",
        `/portail/approbations/${world.requests.alice}`,
        `/portail/approbations/${world.requests.bob}`,
        `/portail/approbations/${world.requests.carol}`,
      ]) {
        await page.goto(`${base}${path}`);
        const text = await page.textContent("body");
        for (const secret of forbidden) {
          assert.ok(!text.includes(secret), `${who} sees ${secret} on ${path}`);
        }
      }
    };
    await signIn(page, world.people.m1, world.password);
    await visit("m1", [world.globexMarker, world.people.carol]);
    await page.goto(`${base}/portail/approbations/${world.requests.carol}`);
    assert.match(await page.textContent("main"), /n'existe pas ou ne vous est pas accessible/);
    // ub manages the users of ACME's service B only: Globex and service A are out of sight.
    await signIn(page, world.people.ub, world.password);
    await visit("ub", [world.globexMarker, world.people.carol, world.people.alice]);
    // Switch to m2 in the same browser: nothing of ACME, and m2's own request shows.
    await page.goto(`${base}/portail/approbations`);
    await page.getByRole("button", { name: "Se déconnecter" }).click();
    await page.waitForURL(/fait=deconnecte/);
    // Back after sign-out shows no signed-in page from a cache.
    await page.goBack();
    assert.doesNotMatch(await page.textContent("body"), /ub@acme\.test/);
    await signIn(page, world.people.m2, world.password);
    await visit("m2", [world.people.alice, world.people.bob, world.people.m1, world.people.ub, "ACME"]);
    await page.goto(`${base}/portail/approbations`);
    assert.equal(await badge(page), "1");
    assert.match(await page.textContent("#demandes"), new RegExp(world.people.carol));
    await screenshot(page, "approbations-autre-compte");
  },

  async "track an invoice"(context) {
    const page = await context.newPage();
    await signIn(page, world.people.ua, world.password);
    await menu(page).getByRole("link", { name: "Factures" }).click();
    await page.selectOption("#statut", "200");
    await Promise.all([page.waitForURL(/statut=200/), page.click("form.search button[type=submit]")]);
    // ua (ACME's service A) sees its service's invoice, and nobody else's.
    assert.equal(await page.locator("#factures tbody tr").count(), 1);
    const listed = await page.textContent("main");
    for (const number of world.invoices.otherNumbers) {
      assert.ok(!listed.includes(number), `ua sees ${number} in the list`);
    }
    assert.ok(!listed.includes(world.globexMarker));
    await screenshot(page, "factures");
    const row = page.locator(`tr[data-facture="${world.invoices.ua}"]`);
    await row.locator("a").click();
    await page.waitForURL(new RegExp(`/portail/factures/${world.invoices.ua}$`));
    await page.waitForSelector("#historique");
    assert.match(await page.textContent("#historique"), /Déposée/);
    await screenshot(page, "facture");
    const download = await Promise.all([
      page.waitForEvent("download"),
      page.click("#telecharger-original"),
    ]);
    assert.ok((await download[0].path()) !== null);
    for (const other of world.invoices.others) {
      await page.goto(`${base}/portail/factures/${other}`);
      assert.match(await page.textContent("main"), /n'existe pas ou ne vous est pas accessible/);
    }
    await screenshot(page, "facture-autre");
    // Another account in the same browser (ub, ACME's service B): A's invoice is gone.
    await signIn(page, world.people.ub, world.password);
    await page.goto(`${base}/portail/factures`);
    assert.ok(!(await page.textContent("main")).includes(world.invoices.uaNumber));
    await page.goto(`${base}/portail/factures/${world.invoices.ua}`);
    assert.match(await page.textContent("main"), /n'existe pas ou ne vous est pas accessible/);
  },
};

/// Scenarios whose page does not exist yet, with the reason; they are reported as
/// pending, never as passed.
const PENDING = {};

/// Signs in through the form (from wherever the page is).
async function signIn(page, email, password) {
  await page.goto(`${base}/portail/connexion`);
  await page.fill("#email", email);
  await page.fill("#password", password);
  await Promise.all([page.waitForLoadState("load"), page.click("form.signin button[type=submit]")]);
  await page.waitForLoadState("load");
}

/// The top menu.
function menu(page) {
  return page.getByRole("navigation", { name: "Menu principal" });
}

/// The approvals count in the menu, or null when the entry is absent.
async function badge(page) {
  const entry = page.locator("#approbations-en-attente");
  return (await entry.count()) === 0 ? null : (await entry.textContent()).trim();
}

const only = process.env.SCENARIOS ? process.env.SCENARIOS.split(",") : null;
let passed = 0;
let failed = 0;
let pending = 0;
for (const [name, run] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue;
  if (PENDING[name]) {
    pending++;
    console.log(`pending - ${name}: ${PENDING[name]}`);
    continue;
  }
  // A fresh context per scenario: no cookie or storage carried from one to the next.
  const context = await browser.newContext({ locale: "fr-FR" });
  try {
    await run(context);
    passed++;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAILED - ${name}\n${error.stack ?? error}`);
  } finally {
    await context.close();
  }
}
await browser.close();
console.log(`portal: ${passed} passed, ${failed} failed, ${pending} skipped`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
