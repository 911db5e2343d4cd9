//mini:chapter 07

package ui

// page is the HTML of the page, with its style sheet inline. (app.js, the code that polls and
// draws, is embedded beside it from static/.) Both are in the binary: the room may have no
// network, so nothing is fetched from anywhere but mini ui itself.
//
// The page is made for a projector: large type, high contrast, and colour never the only
// signal (an own namespace says "own", a shared one "= host" and is dashed).
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mini ui — what the kernel holds</title>
<style>
/* Made for a projector: large type, high contrast, colour never the only signal. */
:root {
  --bg: #0d1117; --panel: #161b22; --line: #30363d; --text: #f0f6fc; --dim: #b8c2cc;
  --own: #3fb950; --shared: #8b949e; --mem: #58a6ff; --cpu: #f0883e; --pids: #d2a8ff;
  --warn: #ff7b72; --accent: #ffd33d;
}
* { box-sizing: border-box; }
html { font-size: 20px; }
body { margin: 0; background: var(--bg); color: var(--text);
  font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; line-height: 1.3; }
code, .mono { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; }
header { padding: 0.4rem 1.2rem 0.3rem; border-bottom: 2px solid var(--line); }
.top { display: flex; align-items: center; gap: 1.2rem; flex-wrap: wrap; }
h1 { margin: 0; font-size: 1.8rem; }
h3 .sub { font-weight: normal; color: var(--dim); font-size: 0.7rem; margin-left: 0.5rem; overflow-wrap: anywhere; }
h1 .sub, h2 .sub { font-weight: normal; color: var(--dim); font-size: 1rem; margin-left: 0.6rem; }
h2 { font-size: 1.35rem; margin: 0.6rem 0 0.4rem; }
h3 { font-size: 1.1rem; margin: 0.5rem 0 0.25rem; color: var(--accent); }
.readonly { display: inline-block; margin: 0.25rem 0; padding: 0.2rem 0.6rem; border: 2px solid var(--accent);
  color: var(--accent); font-weight: bold; border-radius: 6px; }
.meta { margin: 0.2rem 0; color: var(--dim); font-size: 0.85rem; }
.problems { color: var(--warn); font-size: 0.85rem; margin: 0.2rem 0; }
main { padding: 0 1.2rem 1rem; }
#topology svg { width: 100%; height: auto; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; }
#containers { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(720px, 100%), 1fr)); gap: 0.8rem; }
.card, .gauge { min-width: 0; }
.card { background: var(--panel); border: 2px solid var(--line); border-radius: 10px; padding: 0.6rem 0.9rem; }
.card.stopped { opacity: 0.75; border-style: dashed; }
.card .title { display: flex; align-items: baseline; gap: 0.7rem; flex-wrap: wrap; }
.card .name { font-size: 1.5rem; font-weight: bold; }
.card .status { font-weight: bold; padding: 0 0.4rem; border-radius: 4px; border: 2px solid currentColor; }
.status.running { color: var(--own); } .status.exited, .status.created { color: var(--dim); }
.facts { color: var(--dim); font-size: 0.85rem; margin: 0.15rem 0 0.2rem; }
.facts b { color: var(--text); font-weight: normal; }
.ns { display: flex; flex-wrap: wrap; gap: 0.35rem; }
.chip { border: 2px solid var(--line); border-radius: 6px; padding: 0.1rem 0.45rem; font-size: 0.8rem; }
.chip .t { font-weight: bold; }
.chip.own { border-color: var(--own); }
.chip.own .w { color: var(--own); }
.chip.shared { border-style: dashed; color: var(--dim); }
.gauges { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 0.5rem; }
.gauge { border: 1px solid var(--line); border-radius: 8px; padding: 0.25rem 0.45rem; }
.gauge .label { font-size: 0.8rem; color: var(--dim); }
.gauge .value { font-size: 1.05rem; font-weight: bold; }
.gauge canvas { width: 100%; height: 56px; display: block; }
.gauge .file { font-size: 0.75rem; color: var(--dim); overflow-wrap: anywhere; }
.layers { display: flex; flex-direction: column; gap: 3px; }
.layer { display: grid; grid-template-columns: 7.5rem 1fr auto; gap: 0.5rem; align-items: center;
  padding: 0.15rem 0.5rem; border-radius: 5px; font-size: 0.85rem; border-left: 8px solid; }
.layer .kind { font-weight: bold; }
.layer .path { overflow-wrap: anywhere; color: var(--dim); font-size: 0.72rem; }
.layer.merged { border-color: var(--accent); background: #2a2410; }
.layer.upper { border-color: var(--own); background: #12261a; }
.layer.lower { border-color: var(--mem); background: #0f1d30; }
.net { font-size: 0.85rem; }
.net .rules { font-size: 0.68rem; color: var(--dim); margin: 0.2rem 0 0; padding-left: 1rem; }
.empty { color: var(--dim); }
svg text { font-family: "DejaVu Sans", Arial, sans-serif; fill: var(--text); }
svg .small { font-size: 15px; fill: var(--dim); }
svg .mono { font-family: "DejaVu Sans Mono", monospace; }
</style>
</head>
<body>
<header>
  <div class="top">
    <h1>mini ui <span class="sub">what the kernel holds for Mini's containers</span></h1>
    <p id="readonly" class="readonly">READ-ONLY: it reads /proc and /sys, and changes nothing</p>
  </div>
  <p class="meta"><span id="clock">connecting…</span> · state root <code id="root">?</code> · <span id="cgroups"></span> · namespaces compared with the host's: <span id="hostref"></span></p>
  <p id="problems" class="problems" hidden></p>
</header>
<main>
  <section id="topology-section">
    <h2>Network topology</h2>
    <div id="topology"></div>
  </section>
  <section>
    <h2>Containers <span id="count" class="sub"></span></h2>
    <div id="containers"><p class="empty">No containers yet: start one with <code>mini run -d --name web busybox sleep 1000</code>.</p></div>
  </section>
</main>
<noscript><p class="problems">This page needs JavaScript (it is embedded in mini: no network is used).</p></noscript>
<script src="/static/app.js"></script>
</body>
</html>
`
