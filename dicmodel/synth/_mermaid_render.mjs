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
import path from "node:path";
import readline from "node:readline";
import url from "node:url";

const mmdcDir = process.env.DICMODEL_MMDC_DIR;
const chromium = process.env.DICMODEL_CHROMIUM || "/usr/bin/chromium";
const concurrency = Math.max(1, parseInt(process.env.DICMODEL_MERMAID_CONCURRENCY || "2", 10));

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
const puppeteerEntry = path.join(mmdcDir, "node_modules", "puppeteer", "lib", "esm", "puppeteer", "puppeteer.js");
const { default: puppeteer } = await import(fileUrl(puppeteerEntry));

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

async function runJob(job) {
  try {
    const { data } = await renderMermaid(browser, job.definition, job.format, {
      viewport: { width: job.width || 1200, height: job.height || 800, deviceScaleFactor: job.scale || 1 },
      backgroundColor: job.background || "white",
      mermaidConfig: job.config || {},
      pdfFit: true,
      myCSS: job.css || undefined,
    });
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

reply({ id: "__ready__", ok: true });

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
