
// mini ui: polls /api/snapshot every second and draws what the kernel holds. Everything here is
// drawn by hand (SVG and canvas), with no library: the page works in a room with no network.
"use strict";

const HISTORY = 60;          // samples kept per graph: one minute
const history = new Map();   // container ID -> [{t, mem, cpu, pids}]

function esc(s) {
  return String(s ?? "").replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
}

function bytes(n) {
  if (n < 0) return "no limit";
  const u = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (Number.isInteger(n) ? n : n.toFixed(1)) + " " + u[i];
}

function short(id) { return (id || "").slice(0, 12); }

async function poll() {
  try {
    const r = await fetch("/api/snapshot", {cache: "no-store"});
    if (!r.ok) throw new Error(r.status + " " + r.statusText);
    render(await r.json());
  } catch (e) {
    document.getElementById("clock").textContent = "cannot reach mini ui (" + e.message + "): is it still running?";
  }
  setTimeout(poll, 1000);
}

function render(s) {
  const t = new Date(s.time);
  document.getElementById("clock").textContent = "updated " + t.toLocaleTimeString();
  document.getElementById("root").textContent = s.root;
  document.getElementById("cgroups").textContent = s.cgroups || "";
  document.getElementById("hostref").textContent = s.hostRef || "?";
  const p = document.getElementById("problems");
  p.hidden = !(s.problems && s.problems.length);
  p.textContent = (s.problems || []).map(x => "⚠ " + x).join("  ");
  record(s);
  document.getElementById("count").textContent = s.containers.length + " found, " +
    s.containers.filter(c => c.pid > 0).length + " running";
  document.getElementById("topology").innerHTML = topology(s);
  const box = document.getElementById("containers");
  if (s.containers.length === 0) {
    box.innerHTML = '<p class="empty">No containers yet: start one with <code>mini run -d --name web busybox sleep 1000</code>.</p>';
    return;
  }
  box.innerHTML = s.containers.map(card).join("");
  for (const c of s.containers) drawGraphs(c);
}

// record appends this snapshot's counters to each container's history.
function record(s) {
  const now = new Date(s.time).getTime();
  const live = new Set();
  for (const c of s.containers) {
    live.add(c.id);
    if (!c.cgroup) continue;
    const h = history.get(c.id) || [];
    const prev = h[h.length - 1];
    let cpu = 0;
    if (prev && now > prev.t) cpu = Math.max(0, (c.cgroup.cpuUsage - prev.usage) / ((now - prev.t) * 1000) * 100);
    h.push({t: now, usage: c.cgroup.cpuUsage, mem: c.cgroup.memoryCurrent, cpu: cpu, pids: c.cgroup.pidsCurrent});
    while (h.length > HISTORY) h.shift();
    history.set(c.id, h);
  }
  for (const id of history.keys()) if (!live.has(id)) history.delete(id);
}

function label(c) { return c.name || ("run " + short(c.id)); }

function card(c) {
  const running = c.pid > 0;
  const g = c.cgroup;
  const h = history.get(c.id) || [];
  const cpuNow = h.length ? h[h.length - 1].cpu : 0;
  const cpuLimit = g && g.cpuQuota > 0 && g.cpuPeriod > 0 ? (g.cpuQuota / g.cpuPeriod * 100) : -1;
  let out = `<article class="card ${running ? "" : "stopped"}" data-id="${esc(c.id)}" data-name="${esc(c.name)}"` +
    (g ? ` data-memory-max="${g.memoryMax}" data-pids-max="${g.pidsMax}"` : "") + `>`;
  out += `<div class="title"><span class="name">${esc(label(c))}</span>` +
    `<span class="status ${esc(c.status)}">${esc(c.status)}${c.foreground ? " (foreground run)" : ""}</span></div>`;
  out += `<div class="facts">ID <b class="mono">${esc(short(c.id))}</b> · image <b>${esc(c.image || (c.foreground ? "(a run: no record)" : "(rootfs)"))}</b>` +
    (running ? ` · init PID <b>${c.pid}</b>` : "") + ` · command <b class="mono">${esc((c.command || []).join(" "))}</b></div>`;
  if (!running) {
    out += `<p class="empty">Not running: the kernel holds no namespaces or cgroup for it, only its layers on disk.</p>`;
  }
  if (c.namespaces && c.namespaces.length) {
    out += `<h3>Namespaces <span class="sub">ls -l /proc/${c.pid}/ns</span></h3><div class="ns">` +
      c.namespaces.map(n => `<span class="chip ${n.shared ? "shared" : "own"}" data-ns="${esc(n.type)}">` +
        `<span class="t">${esc(n.type)}</span> <span class="mono">${n.inode}</span> ` +
        `<span class="w">${n.shared ? "= host" : "own"}</span></span>`).join("") + `</div>`;
  }
  if (g) {
    out += `<h3>Cgroup <span class="sub path mono">${esc(g.path)}</span></h3><div class="gauges">`;
    out += gauge(c.id, "mem", "memory", bytes(g.memoryCurrent) + " of " + (g.memoryMax < 0 ? "no limit" : bytes(g.memoryMax)),
      "mem-limit", g.memoryMax < 0 ? "no limit" : bytes(g.memoryMax), g.files.memoryMax);
    out += gauge(c.id, "cpu", "CPU", cpuNow.toFixed(1) + "% of " + (cpuLimit < 0 ? "no limit" : cpuLimit.toFixed(0) + "%"),
      "cpu-limit", cpuLimit < 0 ? "no limit" : (cpuLimit / 100) + " CPUs", g.files.cpuQuota || g.files.cpuMax);
    out += gauge(c.id, "pids", "processes", g.pidsCurrent + " of " + (g.pidsMax < 0 ? "no limit" : g.pidsMax),
      "pids-limit", g.pidsMax < 0 ? "no limit" : String(g.pidsMax), g.files.pidsMax);
    out += `</div>`;
  }
  if (c.layers) out += layers(c.layers);
  if (c.network && running) out += network(c.network);
  return out + `</article>`;
}

function gauge(id, kind, name, value, limitClass, limit, file) {
  return `<div class="gauge ${kind}"><div class="label">${name} · limit <span class="${limitClass}">${esc(limit)}</span></div>` +
    `<div class="value">${esc(value)}</div><canvas data-graph="${kind}" data-for="${esc(id)}"></canvas>` +
    `<div class="file mono" title="${esc(file || "")}">${esc((file || "").split("/").pop())}</div></div>`;
}

function layers(l) {
  let out = `<h3>Layers <span class="sub">${esc(l.fstype || "overlay")}, from ${esc(l.source)}</span></h3><div class="layers">`;
  out += `<div class="layer merged"><span class="kind">merged</span><span class="path mono">${esc(l.merged)} — what the container sees as /</span><span></span></div>`;
  if (l.upper) {
    out += `<div class="layer upper"><span class="kind">upper (rw)</span><span class="path mono">${esc(l.upper.path)}</span>` +
      `<span>${bytes(l.upper.bytes)} · ${l.upper.entries} entries · <b class="whiteouts">${l.whiteouts} whiteouts</b>` +
      (l.opaque ? ` · ${l.opaque} opaque dirs` : "") + `</span></div>`;
  }
  (l.lower || []).forEach((d, i) => {
    out += `<div class="layer lower"><span class="kind">lower ${i + 1} (ro)</span><span class="path mono">${esc(d.path)}</span>` +
      `<span>${bytes(d.bytes)} · ${d.entries} entries${d.partial ? "+" : ""}</span></div>`;
  });
  return out + `</div>`;
}

function network(n) {
  let out = `<h3>Network <span class="sub">--network ${esc(n.mode)}</span></h3><div class="net">`;
  const ifs = (n.interfaces || []).map(i => `${esc(i.name)} (rx ${bytes(i.rxBytes)}, tx ${bytes(i.txBytes)})`).join(", ");
  out += `<div>inside: ${ifs || "?"}${n.ip ? ` · eth0 <b class="mono">${esc(n.ip)}</b>` : ""}${n.gateway ? ` · via <span class="mono">${esc(n.gateway)}</span>` : ""}</div>`;
  if (n.hostVeth) out += `<div>host end: <span class="mono">${esc(n.hostVeth)}</span> on bridge <b class="mono">${esc(n.bridge)}</b></div>`;
  if (n.ports && n.ports.length) out += `<div>published: <span class="mono">${n.ports.map(esc).join(", ")}</span></div>`;
  if (n.nat && n.nat.length) out += `<ul class="rules mono">${n.nat.map(r => `<li>${esc(r)}</li>`).join("")}</ul>`;
  return out + `</div>`;
}

// drawGraphs draws the container's three small live graphs from its history.
function drawGraphs(c) {
  const h = history.get(c.id) || [];
  const g = c.cgroup;
  if (!g) return;
  const cpuLimit = g.cpuQuota > 0 && g.cpuPeriod > 0 ? g.cpuQuota / g.cpuPeriod * 100 : -1;
  const spec = {
    mem: {key: "mem", limit: g.memoryMax, color: "#58a6ff"},
    cpu: {key: "cpu", limit: cpuLimit, color: "#f0883e", min: 100},
    pids: {key: "pids", limit: g.pidsMax, color: "#d2a8ff", min: 4},
  };
  for (const cv of document.querySelectorAll(`canvas[data-for="${CSS.escape(c.id)}"]`)) {
    const s = spec[cv.dataset.graph];
    const dpr = window.devicePixelRatio || 1;
    const w = cv.clientWidth || 200, ht = cv.clientHeight || 56;
    cv.width = w * dpr; cv.height = ht * dpr;
    const ctx = cv.getContext("2d");
    ctx.scale(dpr, dpr);
    ctx.fillStyle = "#0d1117"; ctx.fillRect(0, 0, w, ht);
    const vals = h.map(x => x[s.key]);
    let top = Math.max(s.min || 1, ...vals);
    if (s.limit > 0) top = Math.max(top, s.limit);
    top *= 1.05;
    const y = v => ht - 2 - (v / top) * (ht - 4);
    if (s.limit > 0) {
      ctx.strokeStyle = "#ff7b72"; ctx.setLineDash([6, 4]); ctx.lineWidth = 2;
      ctx.beginPath(); ctx.moveTo(0, y(s.limit)); ctx.lineTo(w, y(s.limit)); ctx.stroke(); ctx.setLineDash([]);
    }
    if (vals.length === 0) continue;
    const step = w / (HISTORY - 1);
    const x0 = w - (vals.length - 1) * step;
    ctx.beginPath();
    vals.forEach((v, i) => { const px = x0 + i * step; i ? ctx.lineTo(px, y(v)) : ctx.moveTo(px, y(v)); });
    ctx.strokeStyle = s.color; ctx.lineWidth = 3; ctx.stroke();
    ctx.lineTo(w, ht); ctx.lineTo(x0, ht); ctx.closePath();
    ctx.globalAlpha = 0.25; ctx.fillStyle = s.color; ctx.fill(); ctx.globalAlpha = 1;
    if (vals.length === 1) { ctx.fillStyle = s.color; ctx.fillRect(w - 6, y(vals[0]) - 3, 6, 6); }
  }
}

// topology draws the bridges, the veths, the containers and their published ports as SVG: one
// row of containers, each bridge a bar under the containers plugged into it, the isolated ones
// (--network none or host) dashed at the end of the row.
function topology(s) {
  const W = 1560, boxW = 360, boxH = 104, gap = 44, top = 16, cable = 92, barH = 50;
  const running = s.containers.filter(c => c.pid > 0);
  const parts = [];
  const text = (x, y, str, cls, anchor, extra) =>
    `<text x="${x}" y="${y}" class="${cls || ""}" text-anchor="${anchor || "middle"}" ${extra || ""}>${esc(str)}</text>`;
  const big = 'font-size="26" font-weight="bold"';
  let x = 30;
  const barY = top + boxH + cable;
  for (const b of s.bridges) {
    const on = running.filter(c => c.network && c.network.bridge === b.name);
    const x0 = x;
    for (const c of on) {
      const cx = x + boxW / 2;
      parts.push(`<g class="topo-container" data-name="${esc(c.name)}">` +
        `<rect x="${x}" y="${top}" width="${boxW}" height="${boxH}" rx="10" fill="#12261a" stroke="#3fb950" stroke-width="3"/>` +
        text(cx, top + 34, label(c), "", "middle", big) +
        text(cx, top + 66, "eth0 " + (c.network.ip || "?"), "mono", "middle", 'font-size="22"') +
        text(cx, top + 92, "own netns · PID " + c.pid, "small") + `</g>`);
      // The veth pair: a cable from eth0 down to the bridge.
      parts.push(`<line x1="${cx}" y1="${top + boxH}" x2="${cx}" y2="${barY}" stroke="#ffd33d" stroke-width="6"/>`);
      parts.push(text(cx + 12, top + boxH + 30, "veth pair", "small", "start"));
      parts.push(text(cx + 12, top + boxH + 56, "eth0 ⇄ " + (c.network.hostVeth || "?"), "mono", "start", 'font-size="19"'));
      (c.network.ports || []).forEach((p, i) => {
        parts.push(text(cx + 12, top + boxH + 80 + i * 20, "published -p " + p, "small mono", "start", 'fill="#ffd33d"'));
      });
      x += boxW + gap;
    }
    const w = Math.max(x - gap - x0, 2 * boxW + gap);
    x = x0 + w + gap;
    parts.push(`<rect class="topo-bridge" data-bridge="${esc(b.name)}" x="${x0}" y="${barY}" width="${w}" height="${barH}" rx="8" fill="#0f1d30" stroke="#58a6ff" stroke-width="3"/>`);
    parts.push(text(x0 + w / 2, barY + 34, `bridge ${b.name}  ${(b.addrs || []).join(" ")}`, "", "middle", big));
    const masq = (b.nat || []).some(r => r.includes("MASQUERADE")) ? "MASQUERADE out" : "no NAT";
    parts.push(text(x0 + w / 2, barY + barH + 26, `host: ${masq} · ${(b.nat || []).length} nat rules tagged mini:${b.name}`, "small"));
  }
  for (const c of running.filter(c => !(c.network && c.network.bridge))) {
    const mode = c.network ? c.network.mode : "?";
    const cx = x + boxW / 2;
    parts.push(`<g class="topo-container" data-name="${esc(c.name)}">` +
      `<rect x="${x}" y="${top}" width="${boxW}" height="${boxH}" rx="10" fill="#161b22" stroke="#8b949e" stroke-width="3" stroke-dasharray="9 6"/>` +
      text(cx, top + 34, label(c), "", "middle", big) +
      text(cx, top + 66, "--network " + mode, "mono", "middle", 'font-size="22"') +
      text(cx, top + 92, mode === "host" ? "the host's own network" : "own netns: lo only, no cable", "small") + `</g>`);
    x += boxW + gap;
  }
  if (!parts.length) parts.push(text(W / 2, 44, "Nothing runs: no network namespaces, no veths, no bridge.", "small"));
  const width = Math.max(W, x);
  const H = s.bridges.length ? barY + barH + 40 : top + boxH + 16;
  return `<svg viewBox="0 0 ${width} ${running.length ? H : 70}" role="img" aria-label="network topology">${parts.join("")}</svg>`;
}

poll();
