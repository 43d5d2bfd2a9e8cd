/* rolegraph's page script. Reads the graph from the JSON element (compact tables,
 * expanded below), draws it with vis-network, and shows evidence in the side panel.
 *
 * Safety rule of this file: text from case data is only ever written with
 * textContent (through el()), or given to vis-network as plain strings (node
 * labels are drawn on a canvas; string tooltips are set with innerText).
 * Never innerHTML, never insertAdjacentHTML, never document.write.
 *
 * How it opens (DATA.mode): "answers" -- the answers of a query and their
 * neighbourhood; "overview" -- contexts, cases or clusters of cases with positions
 * computed in Python (no physics); "full" -- the whole graph, laid out by a bounded
 * stabilisation. A click on a node opens its neighbourhood.
 *
 * window.rolegraph exposes the network for tests and the curious:
 *   network, nodes, edges (vis DataSets), data, mode, settled, stabilizations,
 *   timing, expected, show(id), expand(id), selectRow(i), fitAnswer(), showAll(),
 *   details(id), domPosition(id).
 */
(function () {
  "use strict";
  var T0 = performance.now();
  var DATA = JSON.parse(document.getElementById("rolegraph-data").textContent);
  var UI = DATA.ui;
  var T_PARSED = performance.now();

  // ---- the compact tables, expanded into node and edge records -------------------
  // kg/view/compact.py writes them; the records and ids are those kg/view/graph.py builds.
  var G = DATA.graph;
  var OUTCOMES = ["recognised", "refused", "contested", "none"];
  var EDGE_KINDS = ["member", "specialises", "partof"];
  var FULL = { nodes: new Map(), edges: new Map(), adj: new Map() };
  var NAMES = new Map();
  var JINDEX = new Map();  // claim node id -> its row in G.junctions
  var LIST_N = [], LIST_E = [];
  // fields left out at the end of a row take their defaults; " local" ids are "<case>/local"
  function fill(row, defaults) {
    for (var k = row.length; k < defaults.length; k++) { row.push(defaults[k]); }
    return row;
  }
  var D = G.defaults;
  G.claims.forEach(function (c) { fill(c, D.claim); c[6].forEach(function (r) { fill(r, D.response); }); });
  G.junctions.forEach(function (jr) { fill(jr, D.junction); });
  G.evidence.forEach(function (e) { fill(e, D.evidence); });
  // texts are written once and named by number (kg/view/compact.py)
  function T(i) { return i >= 0 ? G.texts[i] : ""; }
  G.labels = G.labels.map(T);
  Object.keys(G.details).forEach(function (k) {
    var d = G.details[k];
    G.detailTexts.forEach(function (f) { if (d[f] !== undefined) { d[f] = T(d[f]); } });
  });
  var SUB = new Set(G.sub);
  function inCase(id, caseIndex) {
    return id.charAt(0) === " " && caseIndex >= 0 ? G.caseIds[caseIndex] + "/" + id.slice(1) : id;
  }
  for (var w = 0; w < G.entities; w++) { G.ids[w] = inCase(G.ids[w], G["case"][w]); }
  G.junctions.forEach(function (jr) { var c = G.claims[jr[0]]; c[0] = inCase(c[0], jr[3]); });
  G.ids.forEach(function (id, i) { NAMES.set(id, G.labels[i]); });
  function addNodeRec(n) { FULL.nodes.set(n.id, n); FULL.adj.set(n.id, []); LIST_N.push(n); }
  function addEdgeRec(e) {
    FULL.edges.set(e.id, e); FULL.adj.get(e.from).push(e.id); FULL.adj.get(e.to).push(e.id); LIST_E.push(e);
  }
  for (var i = 0; i < G.entities; i++) {
    var ent = { id: G.ids[i], kind: G.kinds[G.kind[i]], label: G.labels[i] };
    if (G["case"][i] >= 0) { ent["case"] = G.caseIds[G["case"][i]]; }
    if (SUB.has(i)) { ent.sub = G.cases[ent["case"]] ? G.cases[ent["case"]].label : ent["case"]; }
    addNodeRec(ent);
  }
  G.junctions.forEach(function (jr, n) {
    var c = G.claims[jr[0]];
    var jid = "j" + (n + 1);
    var kind = c[1] ? "mclaim" : "claim";
    var rec = { id: jid, kind: kind, outcome: OUTCOMES[jr[1]], claim: c[0] };
    if (jr[4]) { rec.dist = true; }
    if (jr[2] >= 0) { rec.where = G.ids[jr[2]]; }
    if (jr[3] >= 0) { rec["case"] = G.caseIds[jr[3]]; }
    JINDEX.set(jid, n);
    addNodeRec(rec);
  });
  G.junctions.forEach(function (jr, n) {
    var c = G.claims[jr[0]];
    var jid = "j" + (n + 1);
    var kind = c[1] ? "mclaim" : "claim";
    addEdgeRec({ id: jid + "b", from: G.ids[c[2]], to: jid, kind: kind, j: jid });
    addEdgeRec({ id: jid + "t", from: jid, to: G.ids[c[3]], kind: kind, j: jid });
    if (jr[2] >= 0) { addEdgeRec({ id: jid + "w", from: jid, to: G.ids[jr[2]], kind: "where", j: jid }); }
    jr[6].forEach(function (a, k) { addEdgeRec({ id: jid + "a" + k, from: G.ids[a], to: jid, kind: "audience", j: jid }); });
  });
  G.edges.forEach(function (e, k) {
    addEdgeRec({ id: "s" + (k + 1), from: G.ids[e[0]], to: G.ids[e[1]], kind: EDGE_KINDS[e[2]] });
  });
  DATA.compact = G;
  DATA.graph = { nodes: LIST_N, edges: LIST_E };
  // the edges a query marks are those of the claim nodes it marks (kg/view/highlight.py)
  function claimEdges(ids) {
    var out = [];
    ids.forEach(function (id) {
      if (!JINDEX.has(id)) { return; }
      FULL.adj.get(id).forEach(function (eid) { if (FULL.edges.get(eid).j === id) { out.push(eid); } });
    });
    return out;
  }
  if (DATA.highlight) { DATA.highlight.edges = claimEdges(DATA.highlight.nodes); }

  function idn(i) { return G.ids[i]; }
  // The side panel's facts of a node: an entity's own, or a claim node's, built from its claim.
  function details(id) {
    if (!JINDEX.has(id)) {
      var k = G.ids.indexOf(id);
      return (k >= 0 && G.details[k]) || {};
    }
    var jr = G.junctions[JINDEX.get(id)];
    var c = G.claims[jr[0]];
    var where = jr[2] >= 0 ? G.ids[jr[2]] : undefined;
    var d = { bearer: idn(c[2]), target: idn(c[3]), ev: c[5] };
    if (where) { d.where = where; }
    var cw = c[4].map(idn);
    if (!(cw.length === 1 && cw[0] === where)) { d.claimWhere = cw; }
    if (c[7] !== -1) { d.mode = typeof c[7] === "number" ? G.modes[c[7]] : c[7]; }
    if (c[8] !== -1) { d.stance = typeof c[8] === "number" ? G.stances[c[8]] : c[8]; }
    if (c[9].length) { d.by = c[9].map(idn); }
    if (c[10] >= 0) { d.note = T(c[10]); }
    var mine = new Set(jr[5]);
    d.resp = []; d.others = [];
    c[6].forEach(function (r, k) {
      if (mine.has(k)) {
        d.resp.push({ outcome: OUTCOMES[r[0]], by: r[1].map(idn), ev: r[3], note: T(r[4]) });
      } else {
        d.others.push({ outcome: OUTCOMES[r[0]], by: r[1].map(idn), where: r[2].length ? r[2].map(idn) : cw });
      }
    });
    return d;
  }
  function evidence(i) {
    var e = G.evidence[i];  // [quote, source, speaker, locator, paraphrase]
    return { q: T(e[0]), s: e[1] >= 0 ? e[1] : undefined, sp: e[2] >= 0 ? G.labels[e[2]] : "", loc: T(e[3]),
             p: T(e[4]) };
  }

  // ---- styles: one table for the graph and the legend ------------------------
  var OUTCOME = { recognised: "#2e7d32", refused: "#c62828", contested: "#ef6c00", none: "#78909c" };
  var DISTANCED = "#9e9e9e";
  var HL = "#ffb300";
  var KIND = {
    person: { shape: "dot", size: 13, color: { background: "#4e79a7", border: "#2f4b69" } },
    organisation: { shape: "square", size: 13, color: { background: "#1f5f8b", border: "#123a55" } },
    group: { shape: "triangle", size: 15, color: { background: "#59a5a0", border: "#2f6f6a" } },
    team: { shape: "hexagon", size: 16, color: { background: "#b07aa1", border: "#7a4f6f" } },
    actor: { shape: "star", size: 15, color: { background: "#8c9eb5", border: "#4f6075" } },
    role: { shape: "box", margin: 6, color: { background: "#fbe7a1", border: "#c9a227" },
            font: { color: "#3b2f00", strokeWidth: 0 }, shapeProperties: { borderRadius: 10 } },
    context: { shape: "box", margin: 7, color: { background: "#e3ecf7", border: "#7d97b8" },
               font: { color: "#1f3550", strokeWidth: 0 }, shapeProperties: { borderRadius: 2, borderDashes: [4, 3] } },
    claim: { shape: "dot", size: 6 },
    mclaim: { shape: "diamond", size: 6 },
    ovcase: { shape: "box", margin: 10, color: { background: "#24303d", border: "#101820" },
              font: { color: "#ffffff", size: 16, strokeWidth: 0, multi: false }, widthConstraint: { maximum: 240 } },
    ovcontext: { shape: "dot", size: 12, color: { background: "#9fb3c8", border: "#54708f" }, borderWidth: 2 },
    ovcluster: { shape: "box", margin: 12, color: { background: "#3d5166", border: "#101820" },
                 font: { color: "#ffffff", size: 15, strokeWidth: 0, multi: false }, widthConstraint: { maximum: 260 } }
  };
  var EDGE = {
    claim: { width: 2.6 },
    mclaim: { width: 1.4 },
    audience: { width: 1.2, dashes: [2, 4] },
    where: { width: 1, dashes: [1, 4], color: "#9fb3c8", arrows: "" },
    member: { width: 1, color: "#b07aa1", arrows: "to" },
    specialises: { width: 1, color: "#c9a227", dashes: [6, 3], arrows: "to" },
    partof: { width: 1, color: "#7d97b8", arrows: "to" },
    incase: { width: 1, color: "#c3ccd6", arrows: "", length: 170 }
  };

  // overview contexts: green where claims are recognised, red where they are refused
  function refusalColour(k) {
    var answered = (k.recognised || 0) + (k.refused || 0) + (k.contested || 0);
    if (!answered) { return { background: "#cfd8dc", border: "#78909c" }; }
    var share = ((k.refused || 0) + 0.5 * (k.contested || 0)) / answered;
    var g = [46, 125, 50], r = [198, 40, 40];
    var mix = g.map(function (v, i) { return Math.round(v + (r[i] - v) * share); });
    var css = "rgb(" + mix.join(",") + ")";
    return { background: css, border: "#37474f", highlight: { background: css, border: "#000" },
             hover: { background: css, border: "#000" } };
  }
  function kindName(kind) { return UI[kind] || kind; }
  function claimColour(rec) {
    if (rec.outcome === "none" || !rec.outcome) { return rec.dist ? DISTANCED : OUTCOME.none; }
    return OUTCOME[rec.outcome] || OUTCOME.none;
  }

  // ---- the overview, indexed ---------------------------------------------------
  var OV = DATA.overview;
  var OVNODES = new Map();
  if (OV) { OV.nodes.forEach(function (n) { OVNODES.set(n.id, n); }); }
  // An overview node not drawn at first (a case's context, a cluster's case), built when opened.
  function ovRecord(id) {
    if (OVNODES.has(id) || !OV) { return OVNODES.get(id); }
    function counts(row) {
      var out = {};
      OV.countKeys.forEach(function (k, i) { out[k] = row[i] || 0; });
      return out;
    }
    var rec;
    if (OV.contextCounts[id]) {
      var n = FULL.nodes.get(id);
      rec = { id: id, kind: "ovcontext", label: n.label, "case": n["case"], counts: counts(OV.contextCounts[id]) };
      delete rec.counts.contexts;
    } else if (OV.caseCounts[id]) {
      var cs = id === "case:-" ? "" : id.slice("case:".length);
      rec = { id: id, kind: "ovcase", label: G.cases[cs] ? G.cases[cs].label : (cs || "—"), "case": cs,
              counts: counts(OV.caseCounts[id]) };
    }
    if (rec) { OVNODES.set(id, rec); }
    return rec;
  }
  // the answers of the query and their neighbourhood: every end of a marked claim node
  function answerNeighbourhood() {
    var ids = new Set(HLN);
    HLN.forEach(function (id) {
      if (!JINDEX.has(id)) { return; }
      FULL.adj.get(id).forEach(function (eid) { var e = FULL.edges.get(eid); ids.add(e.from); ids.add(e.to); });
    });
    return ids;
  }
  var HLN = new Set(DATA.highlight ? DATA.highlight.nodes : []);
  var HLE = new Set(DATA.highlight ? DATA.highlight.edges : []);
  var dim = !!DATA.highlight;
  var expanded = new Set();

  function name(id) {
    var n = FULL.nodes.get(id);
    if (n && n.label) { return n.label; }
    if (NAMES.has(id)) { return NAMES.get(id); }
    var o = OVNODES.get(id);
    return o ? o.label : id;
  }

  // ---- vis items --------------------------------------------------------------
  function countsText(c) {
    var parts = [];
    if (c.cases !== undefined) { parts.push(c.cases + " " + UI.cases_n); }
    if (c.contexts !== undefined) { parts.push(c.contexts + " " + UI.contexts); }
    if (c.actors !== undefined) { parts.push(c.actors + " " + UI.actors); }
    if (c.claims !== undefined) { parts.push(c.claims + " " + UI.claims_n); }
    var oc = ["recognised", "refused", "contested"].filter(function (k) { return c[k]; })
      .map(function (k) { return c[k] + " " + UI[k]; });
    return parts.join(" · ") + (oc.length ? "\n" + oc.join(" · ") : "");
  }

  function nodeTitle(rec) {
    if (rec.kind === "claim" || rec.kind === "mclaim") {
      var d = details(rec.id);
      var lines = [name(d.bearer) + " → " + name(d.target)];
      var out = rec.outcome === "none" ? UI.none : UI[rec.outcome];
      lines.push(out + (d.where ? " · " + UI["in"] + " " + name(d.where) : ""));
      if (d.resp && d.resp.length) {
        var by = [];
        d.resp.forEach(function (r) { r.by.forEach(function (a) { if (by.indexOf(name(a)) < 0) { by.push(name(a)); } }); });
        lines.push(UI.by + " " + by.join(", "));
      }
      if (rec.dist) { lines.push(UI.distanced); }
      return lines.join("\n");
    }
    if (rec.kind === "ovcase" || rec.kind === "ovcontext" || rec.kind === "ovcluster") {
      return rec.label + "\n" + countsText(rec.counts || {});
    }
    var own = details(rec.id);
    var t = rec.label + "\n" + (own && own.type ? own.type : kindName(rec.kind));
    if (rec.case && G.cases[rec.case]) { t += " · " + G.cases[rec.case].label; }
    return t;
  }

  function visNode(rec) {
    var s = KIND[rec.kind] || KIND.person;
    var item = { id: rec.id, kind: rec.kind, title: nodeTitle(rec), shape: s.shape,
                 size: s.size, margin: s.margin, font: s.font, shapeProperties: s.shapeProperties,
                 widthConstraint: s.widthConstraint, borderWidth: s.borderWidth || 1.5,
                 shadow: false, opacity: 1, fixed: false };
    var colour = s.color;
    if (rec.kind === "claim" || rec.kind === "mclaim") {
      var c = claimColour(rec);
      colour = { background: c, border: rec.dist ? "#616161" : c, highlight: { background: c, border: "#1d232b" },
                 hover: { background: c, border: "#1d232b" } };
      item.borderWidthSelected = 2.5;
      item.label = undefined;
      item.shapeProperties = rec.dist ? { borderDashes: [2, 2] } : undefined;
      item.outcome = rec.outcome;
      item.claim = rec.claim;
      item.where = rec.where;
    } else if (rec.kind === "ovcase") {
      var cc = rec.counts || {};
      item.label = rec.label + "\n" + [cc.contexts + " " + UI.contexts, cc.claims + " " + UI.claims_n].join(" · ");
    } else if (rec.kind === "ovcontext") {
      var k = rec.counts || {};
      item.label = rec.label + "\n" + (k.claims || 0) + " " + UI.claims_n;
      item.size = 8 + Math.min(28, 2.2 * Math.sqrt(k.claims || 0));
      colour = refusalColour(k);
    } else if (rec.kind === "ovcluster") {
      var kc = rec.counts || {};
      item.label = rec.label + "\n" + (kc.claims || 0) + " " + UI.claims_n;
      colour = Object.assign({}, refusalColour(kc), { border: "#101820" });
    } else {
      // two nodes of one label from different cases: the second line says which case
      item.label = rec.sub ? rec.label + "\n(" + rec.sub + ")" : rec.label;
    }
    if (rec.x !== undefined) { item.x = rec.x; item.y = rec.y; }
    item.color = colour;
    Object.keys(item).forEach(function (k) { if (item[k] === undefined) { delete item[k]; } });
    item.hl = HLN.has(rec.id);
    if (item.hl) {
      item.borderWidth = item.kind === "claim" || item.kind === "mclaim" ? 3 : 4;
      item.borderWidthSelected = item.borderWidth + 1;
      item.color = Object.assign({}, colour, { border: HL });
      item.shadow = { enabled: true, color: "rgba(255,179,0,0.85)", size: 16, x: 0, y: 0 };
      if (item.size) { item.size = item.size * 1.5; }
    } else if (dim && HLN.size) {
      item.opacity = 0.28;
    }
    return item;
  }

  function visEdge(rec) {
    var s = EDGE[rec.kind] || EDGE.where;
    var colour = s.color;
    var junction = rec.j ? FULL.nodes.get(rec.j) : null;  // outcome and distance live on the claim node
    var outcome = junction ? junction.outcome : rec.outcome;
    var dist = junction ? !!junction.dist : !!rec.dist;
    if (rec.kind === "claim" || rec.kind === "mclaim" || rec.kind === "audience") {
      colour = claimColour({ outcome: outcome, dist: dist });
    }
    var fromJunction = rec.j && rec.from === rec.j;
    var arrows = s.arrows !== undefined ? s.arrows : (rec.kind === "audience" || fromJunction ? "to" : "");
    var dashes = s.dashes || false;
    if ((rec.kind === "claim" || rec.kind === "mclaim") && dist) { dashes = [8, 5]; }
    var item = { id: rec.id, from: rec.from, to: rec.to, kind: rec.kind, j: rec.j, outcome: outcome,
                 width: s.width, dashes: dashes, arrows: arrows, shadow: false,
                 color: { color: colour, highlight: colour, hover: colour, opacity: 1 } };
    if (s.length) { item.length = s.length; }
    item.hl = HLE.has(rec.id);
    if (item.hl) {
      item.width = s.width * 2.2 + 1;
      item.shadow = { enabled: true, color: "rgba(255,179,0,0.9)", size: 10, x: 0, y: 0 };
    } else if (dim && HLE.size) {
      item.color.opacity = 0.18;
    }
    item.title = edgeTitle(rec);
    return item;
  }

  function edgeTitle(rec) {
    if (rec.j) { return nodeTitle(FULL.nodes.get(rec.j) || { kind: "claim", id: rec.j }); }
    var label = UI["edge_" + rec.kind] || rec.kind;
    return name(rec.from) + " → " + name(rec.to) + "\n" + label;
  }

  // ---- the network ------------------------------------------------------------
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var container = document.getElementById("graph");
  if (DATA.mode === "overview") {
    nodes.add(OV.nodes.map(visNode));
    edges.add(OV.edges.map(visEdge));
  } else if (DATA.mode === "answers") {
    var START = answerNeighbourhood();
    nodes.add(Array.from(START).map(function (id) { return visNode(FULL.nodes.get(id)); }));
    edges.add(DATA.graph.edges.filter(function (e) { return START.has(e.from) && START.has(e.to); }).map(visEdge));
  } else {
    nodes.add(DATA.graph.nodes.map(visNode));
    edges.add(DATA.graph.edges.map(visEdge));
  }
  var T_DATASETS = performance.now();
  var options = DATA.options;
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);

  var RG = window.rolegraph = {
    network: network, nodes: nodes, edges: edges, data: DATA, mode: DATA.mode,
    expected: { nodes: DATA.counts.initialNodes, edges: DATA.counts.initialEdges,
                fullNodes: DATA.counts.nodes, fullEdges: DATA.counts.edges },
    settled: false, stabilizations: 0, expanded: expanded,
    timing: { parsed: T_PARSED - T0, datasets: T_DATASETS - T0, scriptStart: T0 }
  };

  // ---- layout: bounded stabilisation, then physics off --------------------------
  var progress = document.getElementById("progress");
  var progressFill = document.getElementById("progress-fill");
  var fixedForSettle = [];
  var pendingFit = null;
  var settleTimer = null;

  function finishSettle(reason) {
    if (settleTimer) { clearTimeout(settleTimer); settleTimer = null; }
    network.setOptions({ physics: { enabled: false } });
    if (fixedForSettle.length) {
      nodes.update(fixedForSettle.map(function (id) { return { id: id, fixed: false }; }));
      fixedForSettle = [];
    }
    progress.hidden = true;
    RG.settled = true;
    RG.stabilizations += 1;
    RG.settledBy = reason;
    if (RG.timing.settled === undefined) { RG.timing.settled = performance.now() - T0; }
    RG.timing.lastSettled = performance.now() - T0;
    if (pendingFit) {  // a row selected while its nodes were still finding their places
      var ids = pendingFit.filter(function (id) { return nodes.get(id); });
      pendingFit = null;
      if (ids.length) { network.fit({ nodes: ids, animation: false }); }
    }
  }

  network.on("stabilizationProgress", function (p) {
    progress.hidden = false;
    progressFill.style.width = Math.round(100 * p.iterations / Math.max(1, p.total)) + "%";
  });
  network.on("stabilizationIterationsDone", function () {
    var first = RG.stabilizations === 0;
    finishSettle("stabilizationIterationsDone");
    // with a query, the page opens on its answer (Fit shows everything)
    if (first && HLN.size) { fitAnswer(); }
  });
  function fitAnswer() {
    var ids = new Set(HLN);
    HLE.forEach(function (eid) { var e = FULL.edges.get(eid); if (e) { ids.add(e.from); ids.add(e.to); } });
    var shown = Array.from(ids).filter(function (id) { return nodes.get(id); });
    if (shown.length) { network.fit({ nodes: shown, animation: false, minZoomLevel: 0.2, maxZoomLevel: 1.5 }); }
    return shown.length;
  }
  network.once("afterDrawing", function () { RG.timing.firstDraw = performance.now() - T0; });

  function settle(iterations, fixIds) {
    RG.settled = false;
    fixedForSettle = fixIds || [];
    if (fixedForSettle.length) {
      nodes.update(fixedForSettle.map(function (id) { return { id: id, fixed: true }; }));
    }
    // in the overview, new nodes stay by the node they opened from: no pull to the centre
    network.setOptions({ physics: DATA.mode === "overview" ?
      { enabled: true, forceAtlas2Based: { centralGravity: 0 } } : { enabled: true } });
    network.stabilize(iterations);
    // bounded: whatever happens, physics stops
    settleTimer = setTimeout(function () { if (!RG.settled) { finishSettle("timeout"); } }, 20000);
  }
  if (nodes.length === 0) {
    finishSettle("empty");
    document.getElementById("empty").hidden = false;
  } else if (DATA.mode === "overview") {
    // laid out in Python: nothing to settle once it is drawn
    network.once("afterDrawing", function () {
      network.fit({ animation: false });
      finishSettle("preset");
    });
  } else {
    settleTimer = setTimeout(function () { if (!RG.settled) { finishSettle("timeout"); } }, 30000);
  }

  // ---- DOM helpers (textContent only) ---------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "text") { node.textContent = attrs[k]; }
        else if (k === "cls") { node.className = attrs[k]; }
        else if (k === "onclick") { node.addEventListener("click", attrs[k]); }
        else { node.setAttribute(k, attrs[k]); }
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }
  function svg(tag, attrs) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // ---- header ---------------------------------------------------------------------
  function updateCounts() {
    var text = UI.counts.replace("{nodes}", DATA.counts.nodes).replace("{edges}", DATA.counts.edges);
    if (DATA.mode !== "full" || nodes.length < DATA.counts.nodes) {
      text = UI.shown.replace("{nodes}", nodes.length).replace("{total}", DATA.counts.nodes);
    }
    document.getElementById("counts").textContent = text;
  }
  updateCounts();
  if (DATA.filters.length) {
    document.getElementById("filters").textContent = UI.filters + ": " + DATA.filters.join("; ");
  }
  if (DATA.mode === "overview") {
    var banner = document.getElementById("banner");
    var unit = { "case": UI.unit_case, context: UI.unit_context, cluster: UI.unit_cluster }[OV.unit];
    banner.textContent = UI.overview.replace("{unit}", unit) +
      " (" + UI.counts.replace("{nodes}", DATA.counts.nodes).replace("{edges}", DATA.counts.edges) + ")";
    banner.hidden = false;
  } else if (DATA.mode === "answers") {
    var abanner = document.getElementById("banner");
    abanner.textContent = UI.answers.replace("{query}", DATA.highlight.name);
    abanner.hidden = false;
  }

  // ---- legend -----------------------------------------------------------------------
  function nodeIcon(kind, colourOverride) {
    var s = KIND[kind];
    var box = svg("svg", { width: 30, height: 20, viewBox: "0 0 30 20", "aria-hidden": "true" });
    var fill = colourOverride || s.color.background;
    var stroke = colourOverride || s.color.border;
    var shape;
    if (s.shape === "dot" && kind === "ovcontext") {
      var grad = svg("linearGradient", { id: "ovgrad" });
      grad.appendChild(svg("stop", { offset: "0", "stop-color": "#2e7d32" }));
      grad.appendChild(svg("stop", { offset: "1", "stop-color": "#c62828" }));
      var defs = svg("defs", {}); defs.appendChild(grad); box.appendChild(defs);
      shape = svg("circle", { cx: 15, cy: 10, r: 7.5 });
      fill = "url(#ovgrad)"; stroke = "#37474f";
    } else if (s.shape === "dot") { shape = svg("circle", { cx: 15, cy: 10, r: kind === "claim" ? 4.5 : 7 }); }
    else if (s.shape === "square") { shape = svg("rect", { x: 8, y: 3, width: 14, height: 14 }); }
    else if (s.shape === "triangle") { shape = svg("polygon", { points: "15,2 23,17 7,17" }); }
    else if (s.shape === "star") { shape = svg("polygon", { points: "15,2 17.5,7.5 23.5,8 19,12 20.5,18 15,15 9.5,18 11,12 6.5,8 12.5,7.5" }); }
    else if (s.shape === "hexagon") { shape = svg("polygon", { points: "11,3 19,3 23,10 19,17 11,17 7,10" }); }
    else if (s.shape === "diamond") { shape = svg("polygon", { points: "15,4 21,10 15,16 9,10" }); }
    else {
      shape = svg("rect", { x: 2, y: 4, width: 26, height: 12, rx: kind === "role" ? 6 : 1 });
      if (kind === "context") { shape.setAttribute("stroke-dasharray", "3 2"); }
    }
    shape.setAttribute("fill", fill);
    shape.setAttribute("stroke", stroke);
    shape.setAttribute("stroke-width", "1.5");
    box.appendChild(shape);
    return box;
  }
  function edgeIcon(colour, dashes, width, arrow) {
    var box = svg("svg", { width: 30, height: 20, viewBox: "0 0 30 20", "aria-hidden": "true" });
    var line = svg("line", { x1: 2, y1: 10, x2: arrow ? 22 : 28, y2: 10, stroke: colour,
                             "stroke-width": Math.max(1, width) });
    if (dashes) { line.setAttribute("stroke-dasharray", dashes.join(" ")); }
    box.appendChild(line);
    if (arrow) { box.appendChild(svg("polygon", { points: "21,6 28,10 21,14", fill: colour })); }
    return box;
  }
  function buildLegend() {
    var nodesCol = el("div", { cls: "legend-grid two" });
    nodesCol.appendChild(el("h5", { text: UI.nodes }));
    var kinds = ["person", "organisation", "group", "team", "role", "context", "claim", "mclaim"];
    if (DATA.graph.nodes.some(function (n) { return n.kind === "actor"; })) { kinds.splice(4, 0, "actor"); }
    kinds.forEach(function (k) {
      nodesCol.appendChild(nodeIcon(k, k === "claim" || k === "mclaim" ? OUTCOME.none : null));
      nodesCol.appendChild(el("span", { text: kindName(k) }));
    });
    if (DATA.mode === "overview") {
      if (OV.unit === "cluster") {
        nodesCol.appendChild(nodeIcon("ovcluster")); nodesCol.appendChild(el("span", { text: UI.ov_cluster }));
      }
      nodesCol.appendChild(nodeIcon("ovcase")); nodesCol.appendChild(el("span", { text: UI.unit_case }));
      nodesCol.appendChild(nodeIcon("ovcontext", "rgb(122,83,45)"));
      nodesCol.appendChild(el("span", { text: UI.ov_context }));
    }
    var claimsCol = el("div", { cls: "legend-grid" });
    claimsCol.appendChild(el("h5", { text: UI.edge_claim }));
    [["recognised", OUTCOME.recognised, false], ["refused", OUTCOME.refused, false],
     ["contested", OUTCOME.contested, false], ["none", OUTCOME.none, false],
     ["distanced", DISTANCED, [8, 5]]].forEach(function (r) {
      claimsCol.appendChild(edgeIcon(r[1], r[2], 2.6, true));
      claimsCol.appendChild(el("span", { text: UI[r[0]] }));
    });
    claimsCol.appendChild(el("span", { cls: "legend-note", text: UI.dashed_note }));
    if (DATA.highlight) {
      var hlIcon = svg("svg", { width: 30, height: 20, viewBox: "0 0 30 20", "aria-hidden": "true" });
      hlIcon.appendChild(svg("line", { x1: 2, y1: 10, x2: 28, y2: 10, stroke: HL, "stroke-width": 8,
                                       "stroke-opacity": 0.65 }));
      hlIcon.appendChild(svg("line", { x1: 2, y1: 10, x2: 28, y2: 10, stroke: OUTCOME.refused, "stroke-width": 3 }));
      claimsCol.appendChild(hlIcon);
      claimsCol.appendChild(el("span", { text: UI.query + ": " + DATA.highlight.name }));
    }
    var edgesCol = el("div", { cls: "legend-grid" });
    edgesCol.appendChild(el("h5", { text: UI.edges }));
    [["mclaim", OUTCOME.recognised], ["audience", OUTCOME.refused], ["where", EDGE.where.color],
     ["member", EDGE.member.color], ["specialises", EDGE.specialises.color],
     ["partof", EDGE.partof.color]].forEach(function (r) {
      var s = EDGE[r[0]];
      edgesCol.appendChild(edgeIcon(r[1], s.dashes, Math.max(1.4, s.width), r[0] !== "where"));
      edgesCol.appendChild(el("span", { text: UI["edge_" + r[0]] }));
    });
    var legendBody = document.getElementById("legend-body");
    legendBody.appendChild(nodesCol);
    legendBody.appendChild(claimsCol);
    legendBody.appendChild(edgesCol);
    // the outcome colours stay readable while the legend is folded
    var key = document.getElementById("legend-key");
    ["recognised", "refused", "contested"].forEach(function (k) {
      key.appendChild(el("span", { cls: "key" }, [el("span", { cls: "dot " + k }), UI[k]]));
    });
  }
  buildLegend();

  // ---- overview: adding neighbourhoods ---------------------------------------------
  var MAX_CLAIMS_PER_EXPANSION = 150;

  function claimsAround(id) {
    var rec = FULL.nodes.get(id);
    if (!rec) { return []; }
    if (rec.kind === "claim" || rec.kind === "mclaim") { return [id]; }
    var out = [];
    (FULL.adj.get(id) || []).forEach(function (eid) {
      var e = FULL.edges.get(eid);
      if (e.j && out.indexOf(e.j) < 0) { out.push(e.j); }
    });
    return out;
  }

  function placeAround(anchor, ids) {
    var pos = anchor && nodes.get(anchor) ? network.getPosition(anchor) : { x: 0, y: 0 };
    // a ring with about 150 px of circumference per node, so that labels do not overlap
    var r = Math.max(170, ids.length * 150 / (2 * Math.PI));
    return ids.map(function (id, i) {
      var a = (2 * Math.PI * i) / Math.max(1, ids.length);
      return { x: pos.x + r * Math.cos(a), y: pos.y + r * Math.sin(a) };
    });
  }

  // Add full-graph nodes (and every full-graph edge between present nodes that touches them).
  function addFull(ids, anchor) {
    var fresh = ids.filter(function (id) { return FULL.nodes.has(id) && !nodes.get(id); });
    var upgrade = ids.filter(function (id) {
      var n = nodes.get(id); return n && (n.kind === "ovcontext") && FULL.nodes.has(id);
    });
    var places = placeAround(anchor, fresh);
    nodes.add(fresh.map(function (id, i) {
      var item = visNode(FULL.nodes.get(id));
      item.x = places[i].x; item.y = places[i].y;
      return item;
    }));
    if (upgrade.length) { nodes.update(upgrade.map(function (id) { return visNode(FULL.nodes.get(id)); })); }
    var newEdges = [];
    fresh.concat(upgrade).forEach(function (id) {
      FULL.adj.get(id).forEach(function (eid) {
        var e = FULL.edges.get(eid);
        if (!edges.get(eid) && nodes.get(e.from) && nodes.get(e.to) && newEdges.indexOf(eid) < 0) {
          newEdges.push(eid);
        }
      });
    });
    edges.add(newEdges.map(function (eid) { return visEdge(FULL.edges.get(eid)); }));
    return fresh.length;
  }

  function neighbourhood(id) {
    var claims = claimsAround(id);
    var total = claims.length;
    claims = claims.slice(0, MAX_CLAIMS_PER_EXPANSION);
    var ids = [id];
    claims.forEach(function (j) {
      ids.push(j);
      FULL.adj.get(j).forEach(function (eid) {
        var e = FULL.edges.get(eid);
        var other = e.from === j ? e.to : e.from;
        if (ids.indexOf(other) < 0) { ids.push(other); }
      });
    });
    return { ids: ids, shown: claims.length, total: total };
  }

  function expand(id) {
    if (expanded.has(id)) { return 0; }
    expanded.add(id);
    var added = 0;
    var rec = nodes.get(id);
    var before = nodes.getIds();
    if (rec && (rec.kind === "ovcase" || rec.kind === "ovcluster")) {
      var kids = (OV.children[id] || []).filter(function (c) { return !nodes.get(c); });
      var places = placeAround(id, kids);
      nodes.add(kids.map(function (c, i) {
        var item = visNode(ovRecord(c) || FULL.nodes.get(c));
        item.x = places[i].x; item.y = places[i].y; return item;
      }));
      edges.add(kids.map(function (c, i) {
        return visEdge({ id: "x" + id + "/" + i, from: c, to: id, kind: "incase" });
      }));
      added = kids.length;
    } else {
      var nb = neighbourhood(id);
      added = addFull(nb.ids, id);
      RG.lastExpansion = { id: id, shown: nb.shown, total: nb.total, added: added };
    }
    updateCounts();
    // an opened cluster or case shows its children on a ring sized for their labels: no physics;
    // a neighbourhood finds its place around the fixed overview; elsewhere everything moves a
    // little rather than new nodes landing on fixed old ones
    var ring = rec && (rec.kind === "ovcase" || rec.kind === "ovcluster");
    if (added && ring) { RG.settled = false; finishSettle("ring"); }
    else if (added) { settle(300, DATA.mode === "overview" ? before : []); } else { RG.settled = true; }
    return added;
  }

  function ensurePresent(ids) {
    var missing = ids.filter(function (id) { return !nodes.get(id); });
    if (!missing.length) { return; }
    var all = [];
    missing.forEach(function (id) {
      if (!FULL.nodes.has(id)) { return; }
      neighbourhood(id).ids.forEach(function (x) { if (all.indexOf(x) < 0) { all.push(x); } });
    });
    if (addFull(all, null)) { updateCounts(); settle(300, []); }
  }

  // ---- the side panel -----------------------------------------------------------------
  var body = document.getElementById("details-body");

  function evidenceList(ids) {
    if (!ids || !ids.length) { return el("p", { cls: "muted", text: UI.no_evidence }); }
    var list = el("ol", { cls: "evidence" });
    ids.forEach(function (i) {
      var ev = evidence(i);
      var li = el("li");
      if (ev.q) { li.appendChild(el("blockquote", { cls: "quote" }, [ev.q])); }
      if (ev.p) {
        li.appendChild(el("blockquote", { cls: "paraphrase" }, [el("span", { cls: "tag", text: UI.paraphrase }), ev.p]));
      }
      var cite = [];
      if (ev.sp) { cite.push(ev.sp); }
      if (ev.s !== undefined) { cite.push(G.sources[ev.s]); }
      if (ev.loc) { cite.push(ev.loc); }
      if (cite.length) { li.appendChild(el("div", { cls: "cite", text: "— " + cite.join(" · ") })); }
      list.appendChild(li);
    });
    return list;
  }

  function fact(dl, term, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) { return; }
    dl.appendChild(el("dt", { text: term }));
    dl.appendChild(el("dd", { text: Array.isArray(value) ? value.join(", ") : value }));
  }

  function outcomeBadge(outcome, dist) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("span", { cls: "badge " + outcome, text: outcome === "none" ? UI.none : UI[outcome] }));
    if (dist) { frag.appendChild(el("span", { cls: "badge distanced", text: UI.distanced })); }
    return frag;
  }

  function showClaim(id) {
    var rec = FULL.nodes.get(id);
    var d = details(id);
    clear(body);
    body.appendChild(el("h3", { text: name(d.bearer) + " → " + name(d.target) }));
    var badges = el("p");
    badges.appendChild(outcomeBadge(rec.outcome, rec.dist));
    if (HLN.has(id)) { badges.appendChild(el("span", { cls: "badge hl", text: DATA.highlight.name })); }
    body.appendChild(badges);
    var dl = el("dl", { cls: "facts" });
    fact(dl, UI.bearer, name(d.bearer));
    fact(dl, UI[rec.kind === "mclaim" ? "team" : "role"], name(d.target));
    fact(dl, UI["in"], d.where ? name(d.where) : "");
    if (d.claimWhere && (d.claimWhere.length !== 1 || d.claimWhere[0] !== d.where)) {
      fact(dl, UI.claimed_in, d.claimWhere.map(name));
    }
    fact(dl, UI.mode, d.mode ? (UI[d.mode] || d.mode) : "");
    fact(dl, UI.given_by, (d.by || []).map(name));
    fact(dl, UI.stance, d.stance ? (UI[d.stance] || d.stance) : "");
    fact(dl, UI.id, rec.claim);
    body.appendChild(dl);
    if (d.note) { body.appendChild(el("div", { cls: "note", text: d.note })); }
    if (d.resp && d.resp.length) {
      body.appendChild(el("h4", { text: UI.responses }));
      d.resp.forEach(function (r) {
        var box = el("div", { cls: "response" });
        var head = el("div");
        head.appendChild(el("span", { cls: "badge " + r.outcome, text: UI[r.outcome] }));
        head.appendChild(document.createTextNode(" " + UI.by + " " + r.by.map(name).join(", ") +
          (d.where ? " · " + UI["in"] + " " + name(d.where) : "")));
        box.appendChild(head);
        if (r.note) { box.appendChild(el("div", { cls: "note", text: r.note })); }
        box.appendChild(el("h4", { text: UI.response_evidence }));
        box.appendChild(evidenceList(r.ev));
        body.appendChild(box);
      });
    }
    body.appendChild(el("h4", { text: UI.claim_evidence }));
    body.appendChild(evidenceList(d.ev));
    if (d.others && d.others.length) {
      body.appendChild(el("h4", { text: UI.other_responses }));
      var ul = el("ul", { cls: "claims" });
      d.others.forEach(function (o) {
        ul.appendChild(el("li", {}, [el("span", { cls: "dot " + o.outcome }),
          UI[o.outcome] + " " + UI.by + " " + o.by.map(name).join(", ") + " · " + UI["in"] + " " +
          o.where.map(name).join(", ")]));
      });
      body.appendChild(ul);
    }
  }

  function claimList(id) {
    var claims = claimsAround(id);
    if (!claims.length) { return null; }
    var wrap = el("div");
    wrap.appendChild(el("h4", { text: UI.claims + " (" + claims.length + ")" }));
    var ul = el("ul", { cls: "claims" });
    claims.slice(0, 80).forEach(function (j) {
      var n = FULL.nodes.get(j), d = details(j);
      var text = name(d.bearer) + " → " + name(d.target) + (d.where ? " · " + name(d.where) : "");
      ul.appendChild(el("li", { onclick: function () { show(j, true); }, title: n.claim },
        [el("span", { cls: "dot " + n.outcome }), text]));
    });
    wrap.appendChild(ul);
    if (claims.length > 80) { wrap.appendChild(el("p", { cls: "muted", text: (claims.length - 80) + " " + UI.more })); }
    return wrap;
  }

  function showEntity(id) {
    var rec = FULL.nodes.get(id) || OVNODES.get(id);
    var d = details(id);
    clear(body);
    body.appendChild(el("h3", { text: rec.label }));
    if (d.alt) { body.appendChild(el("p", { cls: "muted", text: d.alt })); }
    if (HLN.has(id)) { body.appendChild(el("p", {}, [el("span", { cls: "badge hl", text: DATA.highlight.name })])); }
    var dl = el("dl", { cls: "facts" });
    var kind = { ovcontext: "context", ovcase: "case", ovcluster: "unit_cluster" }[rec.kind] || rec.kind;
    fact(dl, UI.kind, d.type ? d.type + " (" + kindName(kind) + ")" : kindName(kind));
    if (rec.case && G.cases[rec.case]) { fact(dl, UI.case, G.cases[rec.case].label); }
    if (rec.kind !== "ovcase" && rec.kind !== "ovcluster") { fact(dl, UI.id, id); }
    fact(dl, UI.definition, d.def);
    body.appendChild(dl);
    if (rec.counts) { body.appendChild(el("p", { cls: "counts-line", text: countsText(rec.counts) })); }
    if (rec.kind === "ovcase" && G.cases[rec.case] && G.cases[rec.case].description) {
      body.appendChild(el("div", { cls: "note", text: G.cases[rec.case].description }));
    }
    if (d.note) { body.appendChild(el("div", { cls: "note", text: d.note })); }
    if (d.ev && d.ev.length) {
      body.appendChild(el("h4", { text: UI.evidence }));
      body.appendChild(evidenceList(d.ev));
    }
    var list = claimList(id);
    if (list) { body.appendChild(list); }
    if (RG.lastExpansion && RG.lastExpansion.id === id && RG.lastExpansion.shown < RG.lastExpansion.total) {
      body.appendChild(el("p", { cls: "muted", text: UI.capped.replace("{shown}", RG.lastExpansion.shown)
        .replace("{total}", RG.lastExpansion.total) }));
    }
  }

  function showEdge(eid) {
    var rec = FULL.edges.get(eid) || edges.get(eid);
    if (rec && rec.j) { showClaim(rec.j); return; }
    clear(body);
    body.appendChild(el("h3", { text: name(rec.from) + " → " + name(rec.to) }));
    body.appendChild(el("p", { cls: "muted", text: UI["edge_" + rec.kind] || rec.kind }));
  }

  function show(id, focus) {
    if (!nodes.get(id)) { ensurePresent([id]); }
    var rec = FULL.nodes.get(id);
    if (rec && (rec.kind === "claim" || rec.kind === "mclaim")) {
      showClaim(id);
      var ids = [id];
      var es = (FULL.adj.get(id) || []).filter(function (e) { return edges.get(e); });
      network.setSelection({ nodes: ids, edges: es }, { unselectAll: true, highlightEdges: false });
    } else {
      showEntity(id);
      if (nodes.get(id)) { network.selectNodes([id]); }
    }
    if (focus && nodes.get(id)) { network.focus(id, { scale: Math.max(network.getScale(), 0.9), animation: false }); }
  }

  network.on("click", function (p) {
    if (p.nodes.length) {
      var id = p.nodes[0];
      var item = nodes.get(id);
      if (DATA.mode !== "full" && item && !expanded.has(id)) { expand(id); }
      show(id, false);
    } else if (p.edges.length) {
      var e = FULL.edges.get(p.edges[0]);
      if (e && e.j) { show(e.j, false); } else { showEdge(p.edges[0]); }
    }
  });

  // ---- query rows ------------------------------------------------------------------
  function buildQuery() {
    var H = DATA.highlight;
    if (!H) { return; }
    document.getElementById("query").hidden = false;
    document.getElementById("query-title").textContent = UI.query + ": " + H.name;
    document.getElementById("query-meta").textContent = H.title + " — " + H.total + " " + UI.rows;
    var vars = H.variables;
    var shown = vars.map(function (v, i) { return i; }).filter(function (i) {
      var v = vars[i];
      return vars.indexOf(v + "Label") < 0 && v !== "findings" && !/^(claim|statement|node|finding)s?$/.test(v);
    });
    var list = document.getElementById("query-rows");
    H.rows.forEach(function (row, r) {
      var dl = el("dl");
      shown.forEach(function (i) {
        var cell = row.cells[i];  // a node's [id], or the text shown (kg/view/render.py)
        var text = Array.isArray(cell) ? name(cell[0]) : String(cell || "");
        if (!text) { return; }
        dl.appendChild(el("dt", { text: vars[i] }));
        dl.appendChild(el("dd", { text: text.length > 200 ? text.slice(0, 197) + "…" : text }));
      });
      list.appendChild(el("div", { cls: "row", "data-row": String(r), tabindex: "0",
        onclick: function () { selectRow(r); } }, [el("div", { cls: "rownum", text: "#" + (r + 1) }), dl]));
    });
    if (H.total > H.rows.length) {
      list.appendChild(el("p", { cls: "muted", text: (H.total - H.rows.length) + " " + UI.more }));
    }
  }

  function selectRow(r) {
    var row = DATA.highlight.rows[r];
    if (!row.edges) { row.edges = claimEdges(row.nodes); }
    // the row's nodes and the ends of its claim nodes, not whole neighbourhoods: a shared role
    // would bring in every claim of it
    var want = new Set(row.nodes);
    row.edges.forEach(function (eid) { var e = FULL.edges.get(eid); want.add(e.from); want.add(e.to); });
    var anchor = row.nodes.filter(function (id) { return nodes.get(id); })[0] || null;
    var before = nodes.getIds();
    if (addFull(Array.from(want), anchor)) { updateCounts(); settle(300, DATA.mode === "overview" ? before : []); }
    var ns = row.nodes.filter(function (id) { return nodes.get(id); });
    var es = row.edges.filter(function (id) { return edges.get(id); });
    network.setSelection({ nodes: ns, edges: es }, { unselectAll: true, highlightEdges: false });
    Array.prototype.forEach.call(document.querySelectorAll("#query-rows .row"), function (tr) {
      tr.classList.toggle("active", tr.getAttribute("data-row") === String(r));
    });
    if (ns.length) { network.fit({ nodes: ns, animation: false }); }
    if (!RG.settled) { pendingFit = ns; }
    var claims = ns.filter(function (id) { return JINDEX.has(id); });
    if (claims.length) { showRow(r, claims); }
    return { nodes: ns, edges: es };
  }

  // A row's claims side by side: recognised here, refused there, each with its audience and quotes.
  function showRow(r, claims) {
    clear(body);
    body.appendChild(el("h3", { text: "#" + (r + 1) + " · " + UI.row_both }));
    [["recognised", UI.row_recognised], ["contested", UI.contested], ["refused", UI.row_refused],
     ["none", UI.none]].forEach(function (side) {
      var ids = claims.filter(function (id) { return FULL.nodes.get(id).outcome === side[0]; });
      if (!ids.length) { return; }
      var sec = el("section", { cls: "side " + side[0], "data-outcome": side[0] });
      sec.appendChild(el("h4", {}, [el("span", { cls: "badge " + side[0], text: side[1] })]));
      ids.forEach(function (id) {
        var d = details(id);
        var box = el("div", { cls: "response side-claim", "data-node": id });
        box.appendChild(el("div", { cls: "side-head", onclick: function () { show(id, false); },
          text: name(d.bearer) + " → " + name(d.target) + (d.where ? " · " + UI["in"] + " " + name(d.where) : "") }));
        var audience = [];
        var ev = [];
        (d.resp || []).forEach(function (resp) {
          resp.by.forEach(function (a) { if (audience.indexOf(name(a)) < 0) { audience.push(name(a)); } });
          (resp.ev || []).forEach(function (i) { ev.push(i); });
        });
        if (audience.length) { box.appendChild(el("div", { cls: "audience", text: UI.audience + ": " + audience.join(", ") })); }
        if (!ev.length) { ev = d.ev || []; }
        if (ev.length) { box.appendChild(evidenceList(ev.slice(0, 3))); }
        sec.appendChild(box);
      });
      body.appendChild(sec);
    });
  }
  buildQuery();

  // ---- header controls --------------------------------------------------------------
  document.getElementById("fit").addEventListener("click", function () { network.fit({ animation: false }); });
  document.getElementById("relayout").addEventListener("click", function () { settle(200, []); });
  // the whole graph, when it is small enough to draw (else the overview's clicks open it)
  function showAll() {
    var added = addFull(DATA.graph.nodes.map(function (n) { return n.id; }), null);
    DATA.graph.nodes.forEach(function (n) { expanded.add(n.id); });
    updateCounts();
    if (added) { settle(300, []); }
    return added;
  }
  var allButton = document.getElementById("show-all");
  if (DATA.mode === "answers" && !OV) {
    allButton.hidden = false;
    allButton.addEventListener("click", function () { showAll(); allButton.hidden = true; });
  }
  var dimBox = document.getElementById("dim");
  if (dimBox) {
    dimBox.addEventListener("change", function () {
      dim = dimBox.checked;
      nodes.update(nodes.get().map(function (n) {
        var rec = FULL.nodes.get(n.id) || OVNODES.get(n.id);
        return rec ? visNode(rec) : { id: n.id };
      }));
      edges.update(edges.get().map(function (e) {
        var rec = FULL.edges.get(e.id) || (OV && OV.edges.filter(function (o) { return o.id === e.id; })[0]);
        return rec ? visEdge(rec) : { id: e.id };
      }));
    });
  }

  var search = document.getElementById("search");
  var results = document.getElementById("search-results");
  var SEARCHABLE = DATA.graph.nodes.filter(function (n) { return n.label; });
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    clear(results);
    if (!q) { results.hidden = true; return; }
    var hits = [];
    for (var i = 0; i < SEARCHABLE.length && hits.length < 15; i++) {
      var n = SEARCHABLE[i];
      if (n.label.toLowerCase().indexOf(q) >= 0 || n.id.toLowerCase().indexOf(q) >= 0) { hits.push(n); }
    }
    hits.forEach(function (n) {
      results.appendChild(el("li", { tabindex: "0", onclick: function () {
        results.hidden = true; search.value = "";
        if (DATA.mode !== "full") { ensurePresent([n.id]); expanded.add(n.id); }
        show(n.id, true);
      } }, [n.sub ? n.label + " (" + n.sub + ")" : n.label, el("span", { cls: "kind", text: kindName(n.kind) })]));
    });
    results.hidden = hits.length === 0;
  });
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && results.firstChild) { results.firstChild.click(); }
    if (ev.key === "Escape") { results.hidden = true; }
  });

  // ---- the API for tests ----------------------------------------------------------------
  RG.show = show;
  RG.expand = expand;
  RG.selectRow = selectRow;
  RG.fitAnswer = fitAnswer;
  RG.showAll = showAll;
  RG.details = details;
  RG.domPosition = function (id) {
    var p = network.canvasToDOM(network.getPosition(id));
    var r = container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  };
  RG.timing.ready = performance.now() - T0;
})();
