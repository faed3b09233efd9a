// One Chromium, many Mermaid diagrams.
//
// Started by dicmodel.synth.render.MermaidRenderer. Reads one JSON job per line on stdin:
//   {"id": "...", "definition": "...", "format": "png|pdf|svg", "out": "/abs/path",
//    "config": {...mermaid config...}, "background": "white", "width": 1200, "scale": 1}
// and writes one JSON result per line on stdout:
//   {"id": "...", "ok": true} or {"id": "...", "ok": false, "error": "..."}
// Jobs run concurrently up to DICMODEL_MERMAID_CONCURRENCY pages; results come back in
// completion order, so the caller matches them by id.
//
// mermaid-cli is a global npm package, which ESM bare imports cannot see, so the caller passes
// its folder in DICMODEL_MMDC_DIR and we import it (and its own puppeteer) by file URL.

import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import readline from "node:readline";
import url from "node:url";

const mmdcDir = process.env.DICMODEL_MMDC_DIR;
const chromium = process.env.DICMODEL_CHROMIUM || "/usr/bin/chromium";
const requested = Math.max(1, parseInt(process.env.DICMODEL_MERMAID_CONCURRENCY || "2", 10));

function fileUrl(p) {
  return url.pathToFileURL(p).href;
}

function firstLine(err) {
  const text = String((err && (err.message || err)) || "unknown error");
  // mermaid's message comes first; stack frames (from puppeteer or the page) add nothing
  const frame = /^\s*(at\s|[\w$.<>]+\s\((https?|file):)/;
  const lines = text.split("\n");
  const end = lines.findIndex((l, i) => i > 0 && frame.test(l));
  return lines.slice(0, end < 0 ? 8 : Math.min(end, 8)).join("\n");
}

const { renderMermaid } = await import(fileUrl(path.join(mmdcDir, "src", "index.js")));
// resolve mermaid-cli's own dependencies the way node would from its folder (hoisted or nested)
const requireFromMmdc = createRequire(path.join(mmdcDir, "package.json"));
const puppeteerModule = await import(fileUrl(requireFromMmdc.resolve("puppeteer")));
const puppeteer = puppeteerModule.default || puppeteerModule;
let mermaidUmd = "";
try {
  mermaidUmd = requireFromMmdc.resolve("mermaid/dist/mermaid.min.js");
} catch {
  // no UMD bundle: fall back to mermaid-cli's renderMermaid below
}
// "fast": pages that load mermaid once and render many diagrams each (the default);
// "cli": mermaid-cli's renderMermaid, which opens a fresh page and reloads mermaid per diagram.
const mode = mermaidUmd && fs.existsSync(mermaidUmd) ? process.env.DICMODEL_MERMAID_MODE || "fast" : "cli";
// Headless Chromium stalls screenshots of pages that are not in front, so warm pages render
// one at a time; run several renderers (browsers) for parallelism.
const concurrency = mode === "fast" ? 1 : requested;
const recycleAfter = 200; // a page that rendered this many diagrams is replaced (DOM/heap growth)

const browser = await puppeteer.launch({
  executablePath: chromium,
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-setuid-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
  ],
});

// page console output (mermaid's own logging) must not reach our stdout protocol
console.warn = () => {};
console.log = () => {};

function reply(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

// ---- fast mode: a pool of warm pages --------------------------------------------------

const idlePages = [];
let renderCount = 0;

async function newWarmPage() {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><html><body><div id="container"></div></body></html>');
  await page.addScriptTag({ path: mermaidUmd });
  page.__uses = 0;
  return page;
}

async function takePage() {
  return idlePages.pop() || (await newWarmPage());
}

async function givePage(page, broken) {
  page.__uses += 1;
  if (broken || page.__uses >= recycleAfter) {
    await page.close().catch(() => {});
    return;
  }
  idlePages.push(page);
}

async function drawInPage(page, job) {
  // Renders into #container; returns the SVG box in CSS pixels (page coordinates).
  renderCount += 1;
  return page.evaluate(
    async (definition, config, background, svgId) => {
      const container = document.getElementById("container");
      container.innerHTML = "";
      document.body.style.background = background;
      for (const el of Array.from(document.body.children)) {
        if (el !== container && el.tagName !== "SCRIPT") el.remove();
      }
      window.mermaid.initialize({ startOnLoad: false, ...config });
      try {
        const { svg } = await window.mermaid.render(svgId, definition);
        container.innerHTML = svg;
      } finally {
        for (const el of Array.from(document.body.children)) {
          if (el !== container && el.tagName !== "SCRIPT") el.remove();
        }
      }
      const el = container.querySelector("svg");
      el.style.backgroundColor = background;
      const r = el.getBoundingClientRect();
      return { x: r.left, y: r.top, width: r.width, height: r.height };
    },
    job.definition,
    job.config || {},
    job.background || "white",
    "dm" + renderCount,
  );
}

async function fastRender(job) {
  const page = await takePage();
  let broken = false;
  try {
    const viewport = { width: job.width || 1200, height: job.height || 800, deviceScaleFactor: job.scale || 1 };
    await page.setViewport(viewport);
    const box = await drawInPage(page, job);
    const transparent = (job.background || "white") === "transparent";
    if (job.format === "svg") {
      const xml = await page.$eval("#container svg", (svg) => new XMLSerializer().serializeToString(svg));
      return new TextEncoder().encode(xml);
    }
    if (job.format === "png") {
      const clip = { x: Math.floor(box.x), y: Math.floor(box.y), width: Math.ceil(box.width), height: Math.ceil(box.height) };
      await page.setViewport({ ...viewport, width: Math.max(viewport.width, clip.x + clip.width), height: clip.y + clip.height });
      return await page.screenshot({ clip, omitBackground: transparent });
    }
    return await page.pdf({
      omitBackground: transparent,
      width: Math.ceil(box.width) + box.x * 2 + "px",
      height: Math.ceil(box.height) + box.y * 2 + "px",
      pageRanges: "1-1",
    });
  } catch (err) {
    // a syntax error leaves the page usable; anything else (crash, detached frame) does not
    broken = !/Parse error|Lexical error|syntax|No diagram type/i.test(String(err && err.message));
    throw err;
  } finally {
    await givePage(page, broken);
  }
}

async function cliRender(job) {
  const { data } = await renderMermaid(browser, job.definition, job.format, {
    viewport: { width: job.width || 1200, height: job.height || 800, deviceScaleFactor: job.scale || 1 },
    backgroundColor: job.background || "white",
    mermaidConfig: job.config || {},
    pdfFit: true,
  });
  return data;
}

async function runJob(job) {
  try {
    const data = mode === "fast" ? await fastRender(job) : await cliRender(job);
    const tmp = job.out + ".part";
    await fs.promises.writeFile(tmp, data);
    await fs.promises.rename(tmp, job.out);
    reply({ id: job.id, ok: true, bytes: data.length });
  } catch (err) {
    reply({ id: job.id, ok: false, error: firstLine(err) });
  }
}

let active = 0;
const queue = [];
let inputDone = false;

function pump() {
  while (active < concurrency && queue.length) {
    const job = queue.shift();
    active += 1;
    runJob(job).finally(() => {
      active -= 1;
      pump();
    });
  }
  if (inputDone && active === 0 && queue.length === 0) {
    browser.close().finally(() => process.exit(0));
  }
}

reply({ id: "__ready__", ok: true, mode });

const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  if (!line.trim()) return;
  let job;
  try {
    job = JSON.parse(line);
  } catch (err) {
    reply({ id: null, ok: false, error: "bad job line: " + firstLine(err) });
    return;
  }
  queue.push(job);
  pump();
});
rl.on("close", () => {
  inputDone = true;
  pump();
});
