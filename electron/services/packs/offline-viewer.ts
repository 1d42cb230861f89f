import type { PackDocument, PackProofs, PackRecording } from '../../../shared/pack-format';
import type { ImportedTrade, Timeline } from '../../../shared/trades';

export type ViewerData = {
  document: Omit<PackDocument, 'recordings'>;
  recordings: ReadonlyArray<PackRecording>;
  proofs: PackProofs;
  /** The stored bytes of each proven event, as text, so the page can recompute its leaf hash. */
  events: ReadonlyArray<{ seq: number; text: string }>;
  /** A reconstruction's trade and timeline (the page then draws the timeline above the recordings). */
  trade?: ImportedTrade;
  timeline?: Timeline;
};

/** JSON that is safe inside a <script type="application/json"> element: no "<" can close it. */
function embedJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The pack's offline viewer: one self-contained HTML file at the bag root, with its data embedded,
 * no network and no external scripts. It lists the recordings, plays the WAV copies (relative paths
 * into data/), shows metadata and the custody trail, and recomputes every audit event's leaf hash
 * and RFC 9162 inclusion proof against the checkpoint root with a small SHA-256 of its own (file://
 * pages cannot rely on WebCrypto everywhere). The signature is checked with the CLI or openssl.
 */
export function renderOfflineViewer(data: ViewerData): string {
  let html = '';
  const viewer = new OfflineViewerWriter((text) => {
    html += text;
  });
  viewer.begin(data.document, data.trade && data.timeline ? { trade: data.trade, timeline: data.timeline } : null);
  for (const recording of data.recordings) viewer.recording(recording);
  viewer.end(data.proofs, data.events);
  return html;
}

/**
 * Writes the viewer piece by piece, so a pack of any size streams it: the page and the document,
 * then each recording, then the proofs and events (the embedded JSON is a ViewerData).
 */
export class OfflineViewerWriter {
  private first = true;

  constructor(private readonly write: (text: string) => void | Promise<void>) {}

  async begin(document: Omit<PackDocument, 'recordings'>, reconstruction: { trade: ImportedTrade; timeline: Timeline } | null = null): Promise<void> {
    const { recordings: _listedInPackJson, ...header } = document as PackDocument;
    const title = reconstruction ? `Reconstruction of trade ${reconstruction.trade.tradeId} · case ${document.caseReference}` : `Evidence pack ${document.caseReference}`;
    const trade = reconstruction ? `"trade":${embedJson(reconstruction.trade)},"timeline":${embedJson(reconstruction.timeline)},` : '';
    await this.write(`${pageHead(title)}{"document":${embedJson(header)},${trade}"recordings":[`);
  }

  async recording(recording: PackRecording): Promise<void> {
    const separator = this.first ? '' : ',';
    this.first = false;
    await this.write(`${separator}${embedJson(recording)}`);
  }

  async end(proofs: PackProofs, events: ViewerData['events']): Promise<void> {
    await this.write(`],"proofs":${embedJson(proofs)},"events":${embedJson(events)}}${pageTail()}`);
  }
}

function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; media-src 'self' file:; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<header class="top">
  <h1>${escapeHtml(title)}</h1>
  <p class="sub" id="pack-summary"></p>
</header>
<!-- Panels scroll; the ones without controls take focus so a keyboard can scroll them (WCAG 2.1.1). -->
<section class="panel wide" id="timeline" aria-labelledby="timeline-title" hidden><h2 id="timeline-title">Trade timeline</h2><p id="trade-summary"></p><div class="axis" id="timeline-axis" role="group"></div><table class="list" id="timeline-calls"><thead><tr><th>Start (UTC)</th><th id="desk-zone-heading">Start (desk)</th><th>Duration</th><th>Agent</th><th>Client account</th><th>Trading ID</th><th>Whose call</th><th>Link</th><th>Recordings</th></tr></thead><tbody></tbody></table></section>
<main class="layout">
  <section class="panel"><h2>Recordings</h2><table class="list" id="recordings"><thead><tr><th>Start (UTC)</th><th>Trading ID</th><th>Client account</th><th>Agent</th><th>Source</th></tr></thead><tbody></tbody></table></section>
  <section class="panel" id="detail" tabindex="0" aria-label="Recording details"><h2>Recording</h2><p class="muted">Select a recording.</p></section>
</main>
<section class="panel wide" tabindex="0" aria-labelledby="events-title"><h2 id="events-title">Audit events and inclusion proofs</h2><p id="proof-status" class="muted">Checking…</p><table class="list" id="events"><thead><tr><th>Seq</th><th>Time (UTC)</th><th>Action</th><th>Operator</th><th>Workstation</th><th>Recording</th><th>Case</th><th>Proof</th></tr></thead><tbody></tbody></table></section>
<footer class="foot">Verify the whole pack with standard tools: <code>sha256sum -c manifest-sha256.txt</code> inside the pack, and the Ed25519 signature of <code>tagmanifest-sha256.txt</code> with <code>openssl pkeyutl -verify</code> (see docs/verify-a-pack.md), or <code>custody pack verify</code>.</footer>
<script type="application/json" id="pack-data">`;
}

const pageTail = () => `</script>
<script>${script}</script>
</body>
</html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const css = `
:root{--ink:#1b1f24;--muted:#5b6571;--line:#d6dbe1;--bg:#f5f6f8;--panel:#fff;--accent:#28507d;--ok:#1f6f43;--bad:#a12622}
*{box-sizing:border-box}body{margin:0;font:13px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:var(--bg)}
.top{padding:12px 20px;background:#0f1720;color:#fff}.top h1{margin:0;font-size:17px}.sub{margin:4px 0 0;color:#c9d2dc}
.layout{display:grid;grid-template-columns:minmax(0,3fr) minmax(0,2fr);gap:12px;padding:12px 20px 0}
.panel{background:var(--panel);border:1px solid var(--line);border-radius:6px;padding:10px 12px;overflow:auto}.wide{margin:12px 20px}
h2{font-size:13px;margin:0 0 8px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
table.list{width:100%;border-collapse:collapse}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid var(--line);vertical-align:top}
tbody tr[data-recording-id]{cursor:pointer}tbody tr[aria-current=true]{background:#e6eef7}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0 0 8px}dt{color:var(--muted)}dd{margin:0}
.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all}.muted{color:var(--muted)}
.axis{position:relative;margin:22px 0 12px;border-bottom:1px solid var(--ink)}.axis .window{position:absolute;top:0;bottom:0;background:#eef3f9}
.axis .call{position:absolute;height:16px;min-width:4px;border:0;border-radius:3px;background:var(--muted);padding:0;cursor:pointer}.axis .call.linked{background:var(--accent)}
.axis .exec{position:absolute;top:0;bottom:0;width:2px;background:var(--bad)}.edges{display:flex;justify-content:space-between;font-size:11px;color:var(--muted);margin:-8px 0 10px}
.axis .tick.exec-label{position:absolute;top:-16px;font-size:11px;color:var(--bad);white-space:nowrap;}.gap{padding:8px 10px;border:2px solid var(--bad);color:var(--bad);font-weight:600}
.ok{color:var(--ok);font-weight:600}.bad{color:var(--bad);font-weight:600}audio{width:100%;margin:6px 0}.foot{padding:0 20px 20px;color:var(--muted)}
`;

/**
 * The viewer's SHA-256 and RFC 9162 inclusion check (function declarations, inlined into the page's
 * script): exported so tests run the very code the page runs.
 */
export const viewerMerkleScript = `
  var K = [0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,0x3956c25b,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,0x12835b01,0x243185be,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0x0fc19dc6,0x240ca1cc,0x2de92c6f,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x06ca6351,0x14292967,0x27b70a85,0x2e1b2138,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,0x106aa070,0x19a4c116,0x1e376c08,0x2748774c,0x34b0bcb5,0x391c0cb3,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2];
  function sha256(bytes) {
    var h = [0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,0x1f83d9ab,0x5be0cd19];
    var len = bytes.length, total = ((len + 9 + 63) >> 6) << 6, m = new Uint8Array(total);
    m.set(bytes); m[len] = 0x80;
    var bits = len * 8; for (var i = 0; i < 8; i++) { m[total - 1 - i] = bits & 0xff; bits = Math.floor(bits / 256); }
    var w = new Array(64);
    for (var off = 0; off < total; off += 64) {
      for (var t = 0; t < 16; t++) w[t] = (m[off+4*t] << 24) | (m[off+4*t+1] << 16) | (m[off+4*t+2] << 8) | m[off+4*t+3];
      for (t = 16; t < 64; t++) {
        var a = w[t-15], b = w[t-2];
        var s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
        var s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
        w[t] = (w[t-16] + s0 + w[t-7] + s1) | 0;
      }
      var A=h[0],B=h[1],C=h[2],D=h[3],E=h[4],F=h[5],G=h[6],H=h[7];
      for (t = 0; t < 64; t++) {
        var S1 = ((E >>> 6) | (E << 26)) ^ ((E >>> 11) | (E << 21)) ^ ((E >>> 25) | (E << 7));
        var ch = (E & F) ^ (~E & G);
        var t1 = (H + S1 + ch + K[t] + w[t]) | 0;
        var S0 = ((A >>> 2) | (A << 30)) ^ ((A >>> 13) | (A << 19)) ^ ((A >>> 22) | (A << 10));
        var maj = (A & B) ^ (A & C) ^ (B & C);
        var t2 = (S0 + maj) | 0;
        H=G; G=F; F=E; E=(D + t1) | 0; D=C; C=B; B=A; A=(t1 + t2) | 0;
      }
      h[0]=(h[0]+A)|0; h[1]=(h[1]+B)|0; h[2]=(h[2]+C)|0; h[3]=(h[3]+D)|0; h[4]=(h[4]+E)|0; h[5]=(h[5]+F)|0; h[6]=(h[6]+G)|0; h[7]=(h[7]+H)|0;
    }
    var out = new Uint8Array(32);
    for (i = 0; i < 8; i++) { out[4*i] = h[i] >>> 24; out[4*i+1] = (h[i] >>> 16) & 0xff; out[4*i+2] = (h[i] >>> 8) & 0xff; out[4*i+3] = h[i] & 0xff; }
    return out;
  }
  function hex(b) { var s = ''; for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16); return s; }
  // Anything but an even run of hex digits decodes to no bytes, which no hash check accepts.
  function unhex(s) { if (typeof s !== 'string' || !/^(?:[0-9a-fA-F]{2})*$/.test(s)) return new Uint8Array(0); var b = new Uint8Array(s.length / 2); for (var i = 0; i < b.length; i++) b[i] = parseInt(s.substr(2*i, 2), 16); return b; }
  // A SHA-256 hash is 32 bytes: a leaf, root or path element of any other length is refused (as RFC 9162 implementations do).
  function isHash(b) { return b instanceof Uint8Array && b.length === 32; }
  function join(prefix, x, y) { var o = new Uint8Array(1 + x.length + (y ? y.length : 0)); o[0] = prefix; o.set(x, 1); if (y) o.set(y, 1 + x.length); return o; }
  // RFC 9162 2.1.3.2
  function verifyInclusion(index, size, leaf, proof, root) {
    if (!(index >= 0) || index >= size || !isHash(leaf) || !isHash(root) || !proof.every(isHash)) return false;
    var fn = index, sn = size - 1, r = leaf;
    for (var i = 0; i < proof.length; i++) {
      var p = proof[i];
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = sha256(join(1, p, r));
        if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn >>= 1; sn >>= 1; } }
      } else { r = sha256(join(1, r, p)); }
      fn >>= 1; sn >>= 1;
    }
    return sn === 0 && hex(r) === hex(root);
  }
`;

// Plain ES2017 so any current browser runs it from file://. Built with DOM calls and textContent only.
const script = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('pack-data').textContent);
${viewerMerkleScript}  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    (children || []).forEach(function (c) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  var cp = data.proofs.checkpoint.value, root = unhex(cp.rootHash), encoder = new TextEncoder();
  var texts = {}; data.events.forEach(function (e) { texts[e.seq] = e.text; });
  var results = {}, allOk = true;
  data.proofs.events.forEach(function (p) {
    var text = texts[p.seq];
    var leaf = sha256(join(0, encoder.encode(text)));
    var ok = hex(leaf) === p.leafHash && verifyInclusion(p.seq, cp.treeSize, leaf, p.proof.map(unhex), root);
    results[p.seq] = { ok: ok, event: JSON.parse(text) };
    if (!ok) allOk = false;
  });
  var doc = data.document;
  // Who acted, as shared/operator-label.ts words it (this page runs without Custody's code).
  function officerText(name, email, id) { return name + (email ? ' <' + email + '>' : '') + ' (Genesys ' + id + ')'; }
  function operatorText(o) {
    if (o.kind === 'service') return 'service (client ' + (o.oauthClientId || 'unknown') + ')' + (o.scheduledBy ? ' scheduled by ' + officerText(o.scheduledBy.name, o.scheduledBy.email, o.scheduledBy.genesysUserId) : '');
    return o.genesysUserId ? officerText(o.name, o.email, o.genesysUserId) : o.name;
  }
  var builder = doc.builtBy.genesysUserId ? officerText(doc.builtBy.operator, doc.builtBy.email, doc.builtBy.genesysUserId) : doc.builtBy.operator;
  document.getElementById('pack-summary').textContent = data.recordings.length + ' recording(s) · case ' + doc.caseReference + ' · built ' + doc.builtAt + ' by ' + builder + ' on ' + doc.builtBy.workstation + ' · export audit event ' + doc.exportEventId + ' · ' + doc.sourceOrganization;
  var status = document.getElementById('proof-status');
  status.textContent = (allOk ? 'All ' : 'NOT all ') + data.proofs.events.length + ' audit events are included in the signed checkpoint of log ' + data.proofs.logId + ' (tree size ' + cp.treeSize + ', root ' + cp.rootHash + ', ' + cp.time + ')' + (allOk ? '.' : ': see the rows marked FAILED.');
  status.className = allOk ? 'ok' : 'bad';
  status.setAttribute('data-verified', allOk ? 'true' : 'false');
  function eventRow(seq) {
    var r = results[seq], e = r.event;
    return el('tr', { 'data-seq': String(seq) }, [el('td', { class: 'mono' }, [String(seq)]), el('td', {}, [e.time]), el('td', {}, [e.action]), el('td', {}, [operatorText(e.operator) + ' (' + e.operator.osAccount + ')']), el('td', {}, [e.workstation.hostname]), el('td', { class: 'mono' }, [e.recordingId || '—']), el('td', {}, [e.caseReference || '—']), el('td', { class: r.ok ? 'ok' : 'bad' }, [r.ok ? 'verified' : 'FAILED'])]);
  }
  var eventsBody = document.querySelector('#events tbody');
  data.proofs.events.forEach(function (p) { eventsBody.appendChild(eventRow(p.seq)); });
  var detail = document.getElementById('detail');
  function show(rec, row) {
    Array.prototype.forEach.call(document.querySelectorAll('#recordings tbody tr'), function (tr) { tr.removeAttribute('aria-current'); });
    row.setAttribute('aria-current', 'true');
    detail.textContent = '';
    detail.appendChild(el('h2', {}, ['Recording ' + (rec.tradingId || '(no trading ID)')]));
    var audio = el('audio', { controls: '', preload: 'metadata', src: rec.wav.path, 'data-testid': 'viewer-audio' });
    detail.appendChild(audio);
    var facts = [['Conversation', rec.conversationId], ['Recording', rec.recordingId], ['Trading ID', rec.tradingId || 'MISSING'], ['Client account', rec.clientAccount || '—'], ['Agent', rec.agent || '—'], ['Queue', rec.queue || '—'], ['Direction', rec.direction || '—'], ['Start (UTC)', rec.startTime], ['End (UTC)', rec.endTime || '—'], ['Source', rec.source], ['Participants', rec.participants.map(function (p) { return p.purpose + ': ' + (p.name || p.userId || 'unknown'); }).join('; ') || '—'], ['Original file', rec.original.path], ['Original SHA-256', rec.original.sha256], ['Retrieval SHA-256', rec.retrieval.sha256 + (rec.retrieval.sha256 === rec.original.sha256 ? ' (matches)' : ' (DIFFERS)')], ['WAV copy', rec.wav.path + ' · ' + rec.wav.channels + ' ch, ' + rec.wav.sampleRate + ' Hz, ' + rec.wav.bitsPerSample + '-bit PCM']];
    if (rec.trade) facts.push(['Trade', rec.trade.tradeId + (rec.trade.linked ? ' · LINKED' : ' · in the window, not linked') + ' · ' + (rec.trade.parties.join(' and ') || 'carries the trade ID')]);
    var dl = el('dl');
    facts.forEach(function (f) { dl.appendChild(el('dt', {}, [f[0]])); dl.appendChild(el('dd', { class: 'mono' }, [f[1]])); });
    detail.appendChild(dl);
    if (rec.annotations && rec.annotations.length) {
      function at(ms) { var s = Math.floor(ms / 1000); return Math.floor(s / 60) + ':' + String(s % 60).padStart(2, '0'); }
      detail.appendChild(el('h2', {}, ['Annotations']));
      var notes = el('ol', { 'data-testid': 'viewer-annotations' });
      rec.annotations.forEach(function (a) {
        var item = el('li', {}, [el('span', { class: 'mono' }, [at(a.fromMs) + '–' + at(a.toMs)]), ' ', a.note, ' — ' + officerText(a.updatedBy.name, a.updatedBy.email, a.updatedBy.genesysUserId) + ', ' + a.updatedAt + ', case ' + (a.caseReference || '—') + ', version ' + a.version + ', audit event ' + a.auditEventId]);
        if (a.excerpt) item.appendChild(el('div', {}, [el('audio', { controls: '', preload: 'none', src: a.excerpt.path }), 'Excerpt ' + a.excerpt.path + ': bytes ' + a.excerpt.startByte + '–' + a.excerpt.endByte + ' of the data chunk of ' + a.excerpt.of]));
        notes.appendChild(item);
      });
      detail.appendChild(notes);
    }
    detail.appendChild(el('h2', {}, ['Custody trail']));
    var table = el('table', { class: 'list' }, [el('thead', {}, [el('tr', {}, ['Seq', 'Time (UTC)', 'Action', 'Operator', 'Workstation', 'Recording', 'Case', 'Proof'].map(function (h) { return el('th', {}, [h]); }))])]);
    var body = el('tbody');
    rec.auditSeqs.forEach(function (seq) { if (results[seq]) body.appendChild(eventRow(seq)); });
    table.appendChild(body);
    detail.appendChild(table);
  }
  if (data.timeline) drawTimeline(data.timeline, data.trade);
  function drawTimeline(tl, trade) {
    document.getElementById('timeline').hidden = false;
    var zone = tl.deskTimeZone;
    function when(iso, tz) {
      try {
        var p = {};
        new Intl.DateTimeFormat('en-GB', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short' }).formatToParts(new Date(iso)).forEach(function (part) { p[part.type] = part.value; });
        return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + ':' + p.second + ' ' + p.timeZoneName;
      } catch (e) { return iso; }
    }
    function both(iso) { return when(iso, 'UTC') + ' · ' + when(iso, zone) + ' (' + zone + ')'; }
    var t = tl.execution.trade;
    document.getElementById('trade-summary').textContent = 'Trade ' + t.tradeId + ': ' + [t.side, t.quantity, t.instrument, t.price === null ? null : '@ ' + t.price].filter(function (x) { return x !== null; }).concat([t.channel]).join(' ') + ' · trader ' + t.trader + ' · client ' + (t.clientAccount || '—') + ' · executed ' + both(tl.execution.at) + ' · window ' + when(tl.window.from, 'UTC') + ' to ' + when(tl.window.to, 'UTC') + (trade ? ' · imported from ' + trade.source.fileName + ' line ' + trade.source.line : '');
    document.getElementById('desk-zone-heading').textContent = 'Start (' + zone + ')';
    var axis = document.getElementById('timeline-axis');
    axis.setAttribute('aria-label', tl.calls.length + ' call(s) and the execution at ' + both(tl.execution.at));
    var ms = function (iso) { return Date.parse(iso); };
    var from = ms(tl.window.from), to = ms(tl.window.to);
    tl.calls.forEach(function (c) { from = Math.min(from, ms(c.start)); to = Math.max(to, ms(c.end || c.start)); });
    var span = Math.max(1, to - from);
    var pct = function (x) { return ((x - from) / span * 100).toFixed(3) + '%'; };
    axis.style.height = (Math.max(1, tl.calls.length) * 22 + 12) + 'px';
    var shade = el('div', { class: 'window' }); shade.style.left = pct(ms(tl.window.from)); shade.style.width = ((ms(tl.window.to) - ms(tl.window.from)) / span * 100).toFixed(3) + '%'; axis.appendChild(shade);
    var exec = el('div', { class: 'exec', 'data-testid': 'timeline-execution' }); exec.style.left = pct(ms(tl.execution.at)); axis.appendChild(exec);
    var execLabel = el('span', { class: 'tick exec-label' }, ['Execution ' + when(tl.execution.at, 'UTC') + ' / ' + when(tl.execution.at, zone)]); execLabel.style.left = pct(ms(tl.execution.at)); execLabel.style.transform = 'translateX(-' + pct(ms(tl.execution.at)) + ')'; axis.appendChild(execLabel);
    var edges = el('div', { class: 'edges' }, [from, to].map(function (edge) { var at = new Date(edge).toISOString(); return el('span', {}, [when(at, 'UTC') + ' / ' + when(at, zone)]); }));
    axis.parentNode.insertBefore(edges, axis.nextSibling);
    var wavOf = {}; data.recordings.forEach(function (r) { wavOf[r.recordingId] = r; });
    var body = document.querySelector('#timeline-calls tbody');
    if (tl.calls.length === 0) {
      var gap = el('p', { class: 'gap', 'data-testid': 'timeline-no-call' }, ['No recorded call: neither the trader nor the client account has a call in the index between ' + both(tl.window.from) + ' and ' + both(tl.window.to) + ', and no call carries trade ID ' + tl.tradeId + '.']);
      edges.parentNode.insertBefore(gap, edges.nextSibling);
    }
    tl.calls.forEach(function (c, i) {
      var row = el('tr', { 'data-conversation-id': c.conversationId, 'data-linked': c.linked ? 'true' : 'false' });
      var players = el('td');
      c.recordings.forEach(function (r) {
        var rec = wavOf[r.recordingId];
        if (rec) players.appendChild(el('audio', { controls: '', preload: 'none', src: rec.wav.path, 'data-testid': 'timeline-audio', 'aria-label': 'Recording ' + r.recordingId + ' of the call at ' + when(c.start, 'UTC') }));
        else players.appendChild(el('div', { class: 'bad' }, ['Recording ' + r.recordingId + ' is not in this pack']));
      });
      if (c.recordings.length === 0) players.appendChild(el('span', { class: 'muted' }, ['no recording']));
      var link = c.linked ? 'LINKED' : 'not linked';
      if (c.score !== null) link += ' · score ' + c.score;
      var reasons = c.reasons.map(function (r) { return r.text; }).join('; ');
      var duration = c.end ? Math.round((ms(c.end) - ms(c.start)) / 1000) + ' s' : '—';
      [when(c.start, 'UTC'), when(c.start, zone), duration, c.agentName || '—', c.clientAccount || '—', c.tradingId || 'MISSING', c.parties.join(' and ') || 'carries the trade ID'].forEach(function (text) { row.appendChild(el('td', {}, [text])); });
      row.appendChild(el('td', { class: c.linked ? 'ok' : '' }, [link + (reasons ? ' (' + reasons + ')' : '')]));
      row.appendChild(players);
      body.appendChild(row);
      var bar = el('button', { type: 'button', class: 'call' + (c.linked ? ' linked' : ''), 'data-testid': 'timeline-call', 'data-conversation-id': c.conversationId, title: (c.agentName || 'call') + ' ' + both(c.start) + (c.linked ? ' (linked)' : ''), 'aria-label': 'Call at ' + both(c.start) + (c.linked ? ', linked' : '') });
      bar.style.left = pct(ms(c.start));
      bar.style.width = ((ms(c.end || c.start) - ms(c.start)) / span * 100).toFixed(3) + '%';
      bar.style.top = (6 + i * 22) + 'px';
      bar.addEventListener('click', function () { var audio = row.querySelector('audio'); row.scrollIntoView({ block: 'nearest' }); if (audio) { audio.focus(); audio.play(); } });
      axis.appendChild(bar);
    });
  }
  var listBody = document.querySelector('#recordings tbody');
  data.recordings.forEach(function (rec) {
    var row = el('tr', { 'data-recording-id': rec.recordingId, tabindex: '0' }, [el('td', {}, [rec.startTime.replace('T', ' ').slice(0, 19)]), el('td', { class: 'mono' }, [rec.tradingId || 'MISSING']), el('td', { class: 'mono' }, [rec.clientAccount || '—']), el('td', {}, [rec.agent || '—']), el('td', {}, [rec.source])]);
    row.addEventListener('click', function () { show(rec, row); });
    row.addEventListener('keydown', function (e) { if (e.key === 'Enter') show(rec, row); });
    listBody.appendChild(row);
  });
})();
`;
