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
};

const only = process.env.SCENARIOS ? process.env.SCENARIOS.split(",") : null;
let passed = 0;
let failed = 0;
for (const [name, run] of Object.entries(scenarios)) {
  if (only && !only.includes(name)) continue;
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
console.log(`portal: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
