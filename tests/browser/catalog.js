#!/usr/bin/env node
// Browses a published catalog with Debian's headless Chromium, driven by
// playwright-core (which never downloads a browser of its own), as a person
// would: the home page, as-you-type search, a repository page with its
// README and tags, and the namespace and repository pages with JavaScript
// off. Run by tests/catalog_browser_test.cc against nginx serving the
// catalog made from testdata/catalog/browser.json.
//
//   node catalog.js BASE_URL OUTDIR MULTI_DIGEST
//
// BASE_URL   e.g. http://127.0.0.1:8080/ (the root of the served tree)
// OUTDIR     where home.png, search.png, repository.png, namespace.png and
//            nojs-repository.png go
// MULTI_DIGEST  the digest of library/multi:latest (the multi-platform index)
//
// Prints one line per check ("ok   NAME: what" or "FAIL NAME: why") and a
// summary; exits 1 when a check failed, 2 when the browser could not run.
// Every request must go to 127.0.0.1: any other is aborted and fails the
// run. CHROMIUM overrides the browser (default /usr/bin/chromium).
"use strict";

const fs = require("fs");
const path = require("path");
const { chromium } = require("playwright-core");

const [baseArg, outDir, multiDigest] = process.argv.slice(2);
if (!baseArg || !outDir || !/^sha256:[0-9a-f]{64}$/.test(multiDigest || "")) {
  console.error("usage: node catalog.js BASE_URL OUTDIR MULTI_DIGEST");
  process.exit(2);
}
const base = new URL(baseArg.endsWith("/") ? baseArg : baseArg + "/");
if (base.hostname !== "127.0.0.1") {
  console.error(`catalog.js: BASE_URL must be on 127.0.0.1, not ${base.hostname}`);
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT_MS = 30000;  // for each wait on a page (generous: tests run in parallel)
// The whole run; a hung browser must not hang the test.
setTimeout(() => {
  console.log("FAIL run: still running after 240 s; gave up");
  process.exit(2);
}, 240000).unref();

const results = [];
function ok(name, what) {
  results.push(true);
  console.log(`ok   ${name}: ${what}`);
}
function fail(name, why) {
  results.push(false);
  console.log(`FAIL ${name}: ${why}`);
}
class CheckError extends Error {}
function expect(cond, message) {
  if (!cond) throw new CheckError(message);
}
function same(actual, expected, what) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  expect(a === e, `${what}: got ${a}, want ${e}`);
}
// Runs one check; a thrown error (an assertion or a Playwright time-out)
// fails it with its message, and the next check still runs.
async function check(name, fn) {
  try {
    const what = await fn();
    ok(name, what);
  } catch (e) {
    const message = e instanceof CheckError ? e.message : (e && e.stack) || String(e);
    fail(name, message.split("\n").slice(0, 4).join(" | "));
  }
}

// Requests to anything but 127.0.0.1 (http, https, ws, wss). data:, blob:
// and about: never leave the browser.
const offsite = [];
const requested = [];
const failures = [];  // HTTP errors and failed loads of our own pages
// search.js asks for the index node of a query's prefix and takes a 404 as
// "no word starts so" (the index has nodes only for prefixes that words
// start with), so those 404s are answers, not broken links. Chromium still
// logs each as a console error; they are named in the search-no-match
// line, not failed.
const absentNodes = new Set();
function isAbsentIndexNode(url, status) {
  return status === 404 && new URL(url).pathname.startsWith(base.pathname + "_catalog/search/n/");
}
function isLocal(url) {
  const u = new URL(url);
  if (!["http:", "https:", "ws:", "wss:"].includes(u.protocol)) return true;
  return u.hostname === "127.0.0.1";
}

async function newContext(browser, options) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 },
    serviceWorkers: "block",
    ...options,
  });
  context.setDefaultTimeout(TIMEOUT_MS);
  context.setDefaultNavigationTimeout(TIMEOUT_MS);
  // Every request the pages make passes here first: record it, and abort
  // what would leave the machine.
  await context.route("**/*", (route) => {
    const url = route.request().url();
    requested.push(url);
    if (!isLocal(url)) {
      offsite.push(url);
      return route.abort("blockedbyclient");
    }
    return route.continue();
  });
  context.on("request", (request) => {
    if (!isLocal(request.url())) offsite.push(request.url());
  });
  context.on("response", (response) => {
    if (isAbsentIndexNode(response.url(), response.status())) {
      absentNodes.add(new URL(response.url()).pathname.split("/").pop());
    } else if (response.status() >= 400) {
      failures.push(`${response.status()} ${response.url()}`);
    }
  });
  context.on("requestfailed", (request) => {
    if (isLocal(request.url())) failures.push(`${request.failure().errorText} ${request.url()} (from ${request.frame().url()})`);
  });
  return context;
}

// A page that records console errors and uncaught exceptions, and any
// WebSocket it opens.
async function newPage(context) {
  const page = await context.newPage();
  page.consoleErrors = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const where = m.location().url || "";
    if (where && /status of 404/.test(m.text()) && isAbsentIndexNode(where, 404)) return;
    page.consoleErrors.push(`${m.text()} (${where || "?"})`);
  });
  page.on("pageerror", (e) => page.consoleErrors.push(`uncaught: ${e.message}`));
  page.on("websocket", (ws) => {
    if (!isLocal(ws.url())) offsite.push(ws.url());
  });
  return page;
}

function url(rel) {
  return new URL(rel, base).href;
}

async function screenshot(page, file) {
  await page.screenshot({ path: path.join(outDir, file), fullPage: true });
}

// The cards (li.card) of a list: name, badges, short description.
async function cards(list) {
  return list.locator("li.card").evaluateAll((lis) =>
    lis.map((li) => ({
      name: li.querySelector("h3 a").textContent.trim(),
      href: li.querySelector("h3 a").getAttribute("href"),
      badges: Array.from(li.querySelectorAll("h3 .badge")).map((b) => b.textContent.trim()),
      short: li.querySelector("p").textContent.trim(),
    })));
}

// The rows of a repository page's tags table.
async function tagRows(page) {
  return page.locator("table.tags tbody tr").evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = tr.querySelectorAll("td");
      const code = cells[0] && cells[0].querySelector("code");
      return {
        tag: tr.querySelector("th").textContent.trim(),
        digestText: code ? code.textContent.trim() : "",
        digestTitle: code ? code.getAttribute("title") : "",
        platforms: cells[1] ? Array.from(cells[1].querySelectorAll(".platform")).map((s) => s.textContent.trim()) : [],
        size: cells[2] ? cells[2].textContent.trim() : "",
        updated: cells[3] ? cells[3].textContent.trim() : "",
      };
    }));
}

// What the fixture's library/multi page must show in its tags table.
function expectMultiTags(rows) {
  same(rows.map((r) => r.tag), ["latest"], "tags");
  const r = rows[0];
  same(r.platforms, ["linux/amd64", "linux/arm64"], "platforms of latest");
  expect(r.digestTitle === multiDigest, `digest title ${JSON.stringify(r.digestTitle)}, want the full digest ${multiDigest}`);
  expect(r.digestText.length >= 12 && r.digestText.length < r.digestTitle.length &&
         multiDigest.startsWith(r.digestText),
         `digest cell ${JSON.stringify(r.digestText)} is not a short prefix of ${multiDigest}`);
  expect(/^\d+(\.\d+)? (B|kB|KB|KiB|MB|MiB|GB|GiB)$/.test(r.size), `size ${JSON.stringify(r.size)} is not a size`);
  return r;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  let browser;
  try {
    browser = await chromium.launch({
      executablePath,
      headless: true,
      timeout: 60000,
      args: [
        "--no-sandbox",  // the tests run as root
        // A backstop under the request check: no name resolves but
        // 127.0.0.1, so nothing the routes might miss leaves the machine.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
  } catch (e) {
    console.log(`FAIL launch: could not start ${executablePath}: ${String(e.message || e).split("\n")[0]}`);
    process.exit(2);
  }
  console.log(`chromium ${browser.version()} (${executablePath}), playwright-core ${require("playwright-core/package.json").version}`);

  const context = await newContext(browser, {});

  // 1. Home: the official images with their badge, no console errors.
  const home = await newPage(context);
  await check("home", async () => {
    await home.goto(url("index.html"));
    const official = home.locator('section[aria-labelledby="official"]');
    same(await official.locator("h2").textContent(), "Official images", "official section heading");
    const list = await cards(official);
    same(list.map((c) => c.name).sort(), ["library/hello", "library/multi"], "official images");
    for (const c of list) {
      expect(c.badges.includes("OFFICIAL"), `${c.name} has badges ${JSON.stringify(c.badges)}, no OFFICIAL`);
    }
    const multi = list.find((c) => c.name === "library/multi");
    same(multi.short, "A multiplatform image for amd64 and arm64 machines", "library/multi's short description");
    // Ranked by stars: library/multi (120) before library/hello (40).
    same(list.map((c) => c.name), ["library/multi", "library/hello"], "official images by stars");
    const popular = await cards(home.locator('section[aria-labelledby="popular"]'));
    expect(popular.every((c) => !c.badges.includes("OFFICIAL") || c.name.startsWith("library/")),
           `an OFFICIAL badge outside library/: ${JSON.stringify(popular)}`);
    const app = popular.find((c) => c.name === "team/app");
    expect(app && app.badges.includes("AUTOMATED"), `team/app is not listed AUTOMATED under Most starred: ${JSON.stringify(popular)}`);
    // The stylesheet applies (a broken relative link would leave it unstyled).
    const badgeBg = await official.locator(".badge.official").first()
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(badgeBg !== "rgba(0, 0, 0, 0)", "the OFFICIAL badge has no background: stowage.css did not load");
    await screenshot(home, "home.png");
    same(home.consoleErrors, [], "console errors on the home page");
    return `official images ${list.map((c) => c.name + " [" + c.badges.join(",") + "]").join(", ")}; no console errors`;
  });

  // Namespace counts read as English ("1 repository", "2 repositories").
  await check("home-namespaces", async () => {
    const rows = await home.locator('section[aria-labelledby="namespaces"] li').evaluateAll((lis) =>
      lis.map((li) => ({ text: li.querySelector("a").textContent.trim(), href: li.querySelector("a").getAttribute("href"),
                         meta: li.querySelector(".meta").textContent.trim() })));
    same(rows, [
      { text: "Official Images", href: "u/library/index.html", meta: "2 repositories" },
      { text: "org", href: "u/org/index.html", meta: "1 repository" },
      { text: "Team Platform", href: "u/team/index.html", meta: "2 repositories" },
    ], "namespace list");
    return "Official Images (2 repositories), org (1 repository), Team Platform (2 repositories)";
  });

  // 2. Search, typed letter by letter into #q on search.html.
  const search = await newPage(context);
  await check("search-typing", async () => {
    await search.goto(url("search.html"));
    await search.locator("#q").click();
    await search.keyboard.type("application", { delay: 40 });
    await search.locator("#status").filter({ hasText: "2 repositories match \u201capplication\u201d." }).waitFor();
    const list = await cards(search.locator("#results"));
    // Both descriptions say "application"; ranked by stars.
    same(list.map((c) => c.name), ["team/app", "team/docker"], "results for \u201capplication\u201d");
    same(list[0].badges, ["AUTOMATED"], "team/app's badges in the results");
    same(list[0].href, "r/team/app/index.html", "team/app's result link");
    await screenshot(search, "search.png");
    return "typing \u201capplication\u201d lists team/app, team/docker (by stars)";
  });
  await check("search-name", async () => {
    await search.locator("#q").fill("");
    await search.locator("#q").pressSequentially("multi", { delay: 40 });
    await search.locator("#status").filter({ hasText: "match \u201cmulti\u201d" }).waitFor();
    const list = await cards(search.locator("#results"));
    expect(list.length >= 1 && list[0].name === "library/multi",
           `results for \u201cmulti\u201d start ${JSON.stringify(list.map((c) => c.name))}, want library/multi first`);
    same(list[0].badges, ["OFFICIAL"], "library/multi's badges in the results");
    return "typing \u201cmulti\u201d lists library/multi first, OFFICIAL";
  });
  await check("search-full-name", async () => {
    // Several words: looked up by the longest ("team") and joined ("teamapp").
    await search.locator("#q").fill("");
    await search.locator("#q").pressSequentially("team/app", { delay: 40 });
    await search.locator("#status").filter({ hasText: "2 repositories match \u201cteam/app\u201d." }).waitFor();
    const list = await cards(search.locator("#results"));
    // The exact name first; team/docker's description holds "app" too.
    same(list.map((c) => c.name), ["team/app", "team/docker"], "results for \u201cteam/app\u201d");
    return "typing \u201cteam/app\u201d lists team/app first, then team/docker";
  });
  await check("search-no-match", async () => {
    await search.locator("#q").fill("");
    await search.locator("#q").pressSequentially("zzqx", { delay: 40 });
    await search.locator("#status").filter({ hasText: "No repositories match \u201czzqx\u201d." }).waitFor();
    same(await search.locator("#results li").count(), 0, "results for \u201czzqx\u201d");
    return "\u201czzqx\u201d says \u201cNo repositories match \u201czzqx\u201d.\u201d and lists nothing" +
        ` (absent index nodes answered 404: ${[...absentNodes].sort().join(", ") || "none"})`;
  });
  await check("search-from-home", async () => {
    // The header form of any page submits to search.html?q=...
    await home.locator("#q").fill("hello");
    await Promise.all([home.waitForURL(url("search.html?q=hello")), home.locator("#q").press("Enter")]);
    await home.locator("#status").filter({ hasText: "1 repository match \u201chello\u201d." }).waitFor();
    const list = await cards(home.locator("#results"));
    same(list.map((c) => c.name), ["library/hello"], "results for ?q=hello");
    same(await home.locator("#q").inputValue(), "hello", "the search box after ?q=hello");
    // The result's link leads to the repository page.
    await Promise.all([home.waitForURL(url("r/library/hello/index.html")),
                       home.locator("#results a", { hasText: "library/hello" }).click()]);
    same(await home.locator("h1").first().textContent(), "library/hello OFFICIAL", "heading after following the result");
    return "the home page's form opens search.html?q=hello, which lists library/hello; its link opens its page";
  });
  for (const p of [search, home]) {
    await check(`console-${p === search ? "search" : "search-from-home"}`, async () => {
      same(p.consoleErrors, [], "console errors");
      return "no console errors";
    });
  }

  // 3. The repository page: README table, inert <script>, tags.
  const repo = await newPage(context);
  await check("repository-readme", async () => {
    await repo.goto(url("r/library/multi/index.html"));
    const readme = repo.locator("section.readme");
    const table = readme.locator("table");
    same(await table.count(), 1, "tables in the README");
    const headers = await table.locator("thead th").allTextContents();
    same(headers.map((t) => t.trim()), ["Platform", "Architecture", "Notes"], "README table header");
    const cellsText = await table.locator("tbody tr").evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll("td")).map((td) => td.textContent.trim())));
    same(cellsText, [["linux/amd64", "x86-64", "servers"], ["linux/arm64", "AArch64", "single-board"]], "README table cells");
    return "the README's Markdown table is a <table> with the expected header and cells";
  });
  await check("repository-script-inert", async () => {
    const readme = repo.locator("section.readme");
    same(await repo.evaluate(() => typeof window.__pwned), "undefined", "typeof window.__pwned (set by the README's script)");
    same(await repo.title(), "library/multi \u00b7 stowage registry", "document.title (changed by the README's script)");
    same(await readme.locator("script, img, [onerror]").count(), 0, "script, img or on* elements in the README");
    const text = await readme.innerText();
    expect(text.includes('<script>window.__pwned = true; document.title = "pwned";</script>'),
           `the README's <script> is not shown as text; README text: ${JSON.stringify(text.slice(0, 400))}`);
    expect(text.includes('<img src="x" onerror="window.__pwned = true">'), "the README's <img onerror> is not shown as text");
    return "the README's <script> and <img onerror> show as text; window.__pwned undefined, title unchanged";
  });
  await check("repository-tags", async () => {
    const r = expectMultiTags(await tagRows(repo));
    const pull = await repo.locator("pre.pull").textContent();
    expect(pull.includes(`docker pull ${base.host}/library/multi:latest`), `pull commands ${JSON.stringify(pull)} do not name ${base.host}/library/multi:latest`);
    await screenshot(repo, "repository.png");
    same(repo.consoleErrors, [], "console errors on the repository page");
    return `latest: ${r.platforms.join(" ")}, ${r.size}, ${r.digestText} (title ${r.digestTitle.slice(0, 19)}\u2026)`;
  });

  const ns = await newPage(context);
  await check("namespace", async () => {
    await ns.goto(url("u/library/index.html"));
    same((await ns.locator("h1").textContent()).trim(), "Official Images", "namespace heading");
    same((await ns.locator("p.lead").textContent()).trim(), "Curated images maintained by the site", "namespace description");
    const list = await cards(ns.locator("ul.cards"));
    same(list.map((c) => c.name).sort(), ["library/hello", "library/multi"], "library's repositories");
    await screenshot(ns, "namespace.png");
    same(ns.consoleErrors, [], "console errors on the namespace page");
    return "u/library lists library/hello and library/multi under \u201cOfficial Images\u201d";
  });
  await context.close();

  // 4. JavaScript off: home -> namespace -> repository by clicking links,
  // and back by the breadcrumbs; a nested name (org/sub/tools) too.
  const nojs = await newContext(browser, { javaScriptEnabled: false });
  const page = await newPage(nojs);
  await check("nojs-browse", async () => {
    await page.goto(url("index.html"));
    await Promise.all([page.waitForURL(url("u/library/index.html")),
                       page.locator('section[aria-labelledby="namespaces"] a', { hasText: "Official Images" }).click()]);
    same((await page.locator("h1").textContent()).trim(), "Official Images", "namespace page heading");
    await Promise.all([page.waitForURL(url("r/library/multi/index.html")),
                       page.locator("li.card h3 a", { hasText: "library/multi" }).click()]);
    const r = expectMultiTags(await tagRows(page));
    same(await page.locator("section.readme table").count(), 1, "README tables without JavaScript");
    await screenshot(page, "nojs-repository.png");
    // The breadcrumb leads back to the namespace, then home.
    await Promise.all([page.waitForURL(url("u/library/index.html")),
                       page.locator("nav.crumbs a", { hasText: "library" }).click()]);
    await Promise.all([page.waitForURL(url("index.html")), page.locator("nav.crumbs a", { hasText: "Home" }).click()]);
    same(new URL(page.url()).pathname, base.pathname + "index.html", "home after the breadcrumbs");
    return `home \u2192 Official Images \u2192 library/multi (tags table: latest ${r.platforms.join(" ")}) \u2192 breadcrumbs back home`;
  });
  await check("nojs-nested", async () => {
    await page.goto(url("index.html"));
    await Promise.all([page.waitForURL(url("u/org/index.html")),
                       page.locator('section[aria-labelledby="namespaces"] a', { hasText: /^org$/ }).click()]);
    await Promise.all([page.waitForURL(url("r/org/sub/tools/index.html")),
                       page.locator("li.card h3 a", { hasText: "org/sub/tools" }).click()]);
    const rows = await tagRows(page);
    same(rows.map((r) => [r.tag, r.platforms]), [["a", ["linux/amd64"]], ["b", ["linux/amd64"]]], "org/sub/tools tags");
    const collapse = await page.locator("table.tags").evaluate((e) => getComputedStyle(e).borderCollapse);
    expect(collapse === "collapse", `table.tags border-collapse ${collapse}: stowage.css did not load three levels down`);
    await Promise.all([page.waitForURL(url("u/org/index.html")),
                       page.locator("nav.crumbs a", { hasText: /^org$/ }).click()]);
    return "home \u2192 org \u2192 org/sub/tools (tags a, b; styled) \u2192 breadcrumb back to org";
  });
  await check("nojs-search-page", async () => {
    await page.goto(url("search.html?q=multi"));
    const status = (await page.locator("#status").textContent()).trim();
    expect(status.includes("needs JavaScript"), `search.html without JavaScript says ${JSON.stringify(status)}`);
    return "search.html without JavaScript says it needs JavaScript";
  });
  await nojs.close();
  await browser.close();

  // 5. Nothing left 127.0.0.1, and every resource loaded.
  await check("network-local-only", async () => {
    expect(requested.length > 0, "no request was seen at all");
    same([...new Set(offsite)], [], "requests to hosts other than 127.0.0.1");
    return `${requested.length} requests, all to ${base.hostname}`;
  });
  await check("no-http-errors", async () => {
    same(failures, [], "failed or non-2xx requests");
    return "every request succeeded";
  });

  const failed = results.filter((r) => !r).length;
  console.log(`browser checks: ${results.length - failed} ok, ${failed} failed; screenshots in ${outDir}`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL run: ${(e && e.stack) || e}`);
  process.exit(2);
});
