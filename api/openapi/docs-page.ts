import { createHash } from 'node:crypto';

/** Renders /openapi.json without loading anything from elsewhere (this API may run offline). */
const script = `
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
fetch('/openapi.json').then((r) => r.json()).then((doc) => {
  const root = document.getElementById('ops');
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('intro').textContent = doc.info.description || '';
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const el = document.createElement('details');
      const responses = Object.entries(op.responses || {}).map(([s, r]) => '<li><b>' + esc(s) + '</b> ' + esc(r.description) + '</li>').join('');
      const params = (op.parameters || []).map((p) => '<li><code>' + esc(p.in) + ' ' + esc(p.name) + '</code>' + (p.required ? ' (required)' : '') + '</li>').join('');
      const body = op.requestBody ? '<h4>Body</h4><pre>' + esc(JSON.stringify(op.requestBody.content['application/json'].schema, null, 2)) + '</pre>' : '';
      el.innerHTML = '<summary><span class="m ' + esc(method) + '">' + esc(method.toUpperCase()) + '</span> <code>' + esc(path) + '</code> ' + esc(op.summary) + '</summary>'
        + '<p>' + esc(op.description) + '</p>' + (params ? '<h4>Parameters</h4><ul>' + params + '</ul>' : '') + body + '<h4>Responses</h4><ul>' + responses + '</ul>';
      root.appendChild(el);
    }
  }
  const schemas = document.getElementById('schemas');
  for (const [name, schema] of Object.entries((doc.components || {}).schemas || {})) {
    const el = document.createElement('details');
    el.innerHTML = '<summary><code>' + esc(name) + '</code></summary><pre>' + esc(JSON.stringify(schema, null, 2)) + '</pre>';
    schemas.appendChild(el);
  }
});`;

const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Opportunity path API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}summary{cursor:pointer;padding:.3rem 0}
.m{display:inline-block;width:4rem;font-weight:bold}.get{color:#06c}.post{color:#080}pre{background:#f5f5f5;padding:.5rem;overflow:auto;max-height:30rem}</style>
</head><body><h1 id="title">Opportunity path API</h1><p id="intro"></p><p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<h2>Operations</h2><div id="ops"></div><h2>Schemas</h2><div id="schemas"></div>
<script>${script}</script></body></html>`;

export const DOCS_PAGE = { html, scriptHash: createHash('sha256').update(script).digest('base64') };
