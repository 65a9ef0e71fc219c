// Templar's public dashboard: draws the pool page or an address page from the pool's read-only JSON
// (/api/public/...), refreshing every 15 seconds. No framework; uPlot (served by the pool) draws the chart.
(function () {
  "use strict";
  const REFRESH_MS = 15000;
  const page = document.body.dataset.page;

  function byId(id) { return document.getElementById(id); }

  // Hashes per second in the unit people read: H/s .. EH/s, three significant digits.
  function formatHashrate(h) {
    if (!(h > 0)) { return "0 H/s"; }
    const units = ["H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s", "EH/s"];
    let i = 0;
    while (h >= 1000 && i < units.length - 1) { h /= 1000; i++; }
    return h.toPrecision(3) + " " + units[i];
  }

  function formatNumber(x) {
    if (x === null || x === undefined) { return "–"; }
    if (x >= 1e6 || (x > 0 && x < 0.01)) { return x.toExponential(2); }
    return x.toLocaleString(undefined, { maximumSignificantDigits: 4 });
  }

  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) { return "no hashrate yet"; }
    const units = [["year", 365 * 86400], ["day", 86400], ["hour", 3600], ["minute", 60], ["second", 1]];
    for (const [name, size] of units) {
      if (seconds >= size) {
        const n = Math.round(seconds / size);
        return n + " " + name + (n === 1 ? "" : "s");
      }
    }
    return "under a second";
  }

  function formatWhen(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "–" : d.toLocaleString();
  }

  function formatSats(sats) {
    return (sats / 1e8).toFixed(8) + " BTC";
  }

  function cell(row, text, className) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    row.appendChild(td);
    return td;
  }

  let chart = null;
  function drawChart(series) {
    const times = series.map(p => p[0]);
    const rates = series.map(p => p[1]);
    const el = byId("chart");
    if (chart === null) {
      chart = new uPlot({
        width: Math.max(320, el.clientWidth),
        height: 260,
        series: [{}, { label: "hashrate", stroke: "#f7931a", fill: "rgba(247,147,26,0.15)", width: 2,
          value: (u, v) => v === null ? "–" : formatHashrate(v) }],
        axes: [{ stroke: "#8b98a5" }, { stroke: "#8b98a5", size: 80, values: (u, vals) => vals.map(formatHashrate) }],
      }, [times, rates], el);
      window.addEventListener("resize", () => chart.setSize({ width: Math.max(320, el.clientWidth), height: 260 }));
    } else {
      chart.setData([times, rates]);
    }
    el.dataset.points = String(series.length);
    el.dataset.drawn = "true";
  }

  function fillBlocks(blocks, whoColumn) {
    const body = document.querySelector("#blocks tbody");
    body.replaceChildren();
    for (const b of blocks) {
      const row = document.createElement("tr");
      cell(row, String(b.height));
      cell(row, b.status, "status-" + b.status);
      cell(row, b.confirmations === null ? "–" : String(b.confirmations));
      if (whoColumn === "account") {
        const td = cell(row, "");
        const a = document.createElement("a");
        a.href = "/address/" + encodeURIComponent(b.account);
        a.textContent = b.account + (b.worker ? "." + b.worker : "");
        td.appendChild(a);
      } else {
        cell(row, b.worker || "(default)");
      }
      cell(row, formatSats(b.reward_sats));
      cell(row, formatWhen(b.found_at));
      body.appendChild(row);
    }
    byId("no-blocks").hidden = blocks.length > 0;
  }

  function showPool(d) {
    byId("network").textContent = d.network + " · " + d.payout_mode;
    byId("hashrate-1h").textContent = formatHashrate(d.hashrate["1h"]);
    byId("hashrate-other").textContent = "5 min " + formatHashrate(d.hashrate["5m"]) + " · 24 h " + formatHashrate(d.hashrate["24h"]);
    byId("miners").textContent = String(d.miners_online);
    byId("workers").textContent = d.workers_online + " worker(s)";
    byId("network-difficulty").textContent = formatNumber(d.network_difficulty);
    byId("height").textContent = d.height === undefined ? "" : "chain height " + d.height;
    byId("expected").textContent = formatDuration(d.expected_seconds_to_block);
    byId("best-share").textContent = "best share this round " + formatNumber(d.best_share_difficulty_round);
    if (d.decentralization) {
      byId("decentralization").hidden = false;
      byId("declared-fraction").textContent = (100 * d.decentralization.miner_declared_fraction).toFixed(1) + " %";
      byId("template-sources").textContent = String(d.decentralization.template_sources);
    }
    drawChart(d.series);
    fillBlocks(d.blocks, "account");
  }

  function showAddress(d) {
    byId("account").textContent = d.account;
    document.title = "Templar: " + d.account;
    byId("hashrate-5m").textContent = formatHashrate(d.hashrate["5m"]);
    byId("hashrate-other").textContent = "1 h " + formatHashrate(d.hashrate["1h"]) + " · 24 h " + formatHashrate(d.hashrate["24h"]);
    byId("worker-count").textContent = String(d.workers.length);
    byId("block-count").textContent = String(d.blocks.length);
    const body = document.querySelector("#workers tbody");
    body.replaceChildren();
    for (const w of d.workers) {
      const row = document.createElement("tr");
      cell(row, w.name || "(default)");
      cell(row, formatHashrate(w.hashrate["5m"]));
      cell(row, formatHashrate(w.hashrate["1h"]));
      cell(row, String(w.shares));
      cell(row, formatNumber(w.best_share_difficulty));
      cell(row, formatWhen(w.last_share_at));
      body.appendChild(row);
    }
    byId("no-workers").hidden = d.workers.length > 0;
    drawChart(d.series);
    fillBlocks(d.blocks, "worker");
    showBalance(d.balance, d.payments);
  }

  function showBalance(b, payments) {
    byId("balance-available").textContent = formatSats(b.available_sats);
    byId("balance-other").textContent = "immature " + formatSats(b.immature_sats) + " · paid " + formatSats(b.paid_sats)
        + (b.in_payment_sats > 0 ? " · in payment " + formatSats(b.in_payment_sats) : "")
        + (b.carried_sats > 0 ? " · carried " + formatSats(b.carried_sats) : "");
    const body = document.querySelector("#payments tbody");
    body.replaceChildren();
    for (const p of payments) {
      const row = document.createElement("tr");
      cell(row, p.kind === "coinbase" ? "in the coinbase of block" : "transaction");
      cell(row, p.reference);
      cell(row, formatSats(p.sats));
      cell(row, formatWhen(p.at));
      body.appendChild(row);
    }
    byId("no-payments").hidden = payments.length > 0;
  }

  function apiPath() {
    if (page === "address") {
      const account = decodeURIComponent(location.pathname.substring("/address/".length));
      return "/api/public/address/" + encodeURIComponent(account);
    }
    return "/api/public/pool";
  }

  async function refresh() {
    try {
      const r = await fetch(apiPath(), { cache: "no-store" });
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      const d = await r.json();
      if (page === "address") { showAddress(d); } else { showPool(d); }
      byId("updated").textContent = new Date().toLocaleTimeString();
      document.body.dataset.loaded = "true";
    } catch (e) {
      byId("updated").textContent = "failed (" + e.message + "), retrying";
    }
  }

  const lookup = byId("lookup");
  if (lookup) {
    lookup.addEventListener("submit", ev => {
      ev.preventDefault();
      const v = byId("lookup-address").value.trim().split(".")[0];
      if (v) { location.href = "/address/" + encodeURIComponent(v); }
    });
  }
  refresh();
  setInterval(refresh, REFRESH_MS);
})();
