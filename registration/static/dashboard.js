// fairgate live dashboard: polls the venue-day's JSON every few seconds and redraws the
// figures, the gate table, the anomalies and the 15-minute chart (inline SVG) in place.
// No page reload, no library; a failed poll marks the status line and tries again.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];

  function text(root, key, values) {
    var template = root.getAttribute("data-text-" + key) || "";
    Object.keys(values || {}).forEach(function (name) {
      template = template.replace("{" + name + "}", values[name]);
    });
    return template;
  }

  function formatNumber(root, value) {
    try {
      return new Intl.NumberFormat(root.getAttribute("data-locale") || undefined).format(value);
    } catch (err) {
      return String(value);
    }
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  function element(name, attrs, content, namespace) {
    var node = namespace ? document.createElementNS(namespace, name) : document.createElement(name);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (content !== undefined && content !== null) { node.textContent = content; }
    return node;
  }

  function ago(root, seconds) {
    if (seconds === null || seconds === undefined) { return text(root, "never"); }
    if (seconds < 120) { return text(root, "seconds", { n: seconds }); }
    return text(root, "minutes", { n: Math.floor(seconds / 60) });
  }

  function updateFields(root, data) {
    var values = {
      booked: data.booked, quota: data.quota, admitted: data.admitted, inside: data.inside,
      walk_in_booked: data.walk_in_booked, anomalies: data.anomalies.total,
      occupancy_limit: data.occupancy_limit,
      waitlist_waiting: data.waitlist_waiting, waitlist_offered: data.waitlist_offered
    };
    Object.keys(values).forEach(function (key) {
      root.querySelectorAll('[data-field="' + key + '"]').forEach(function (node) {
        var value = values[key];
        node.textContent = value === null ? text(root, "no-limit") : formatNumber(root, value);
      });
    });
    var booked = root.querySelector('[data-meter="booked"]');
    if (booked) { booked.max = Math.max(data.quota, 1); booked.value = data.booked; }
    var inside = root.querySelector('[data-meter="inside"]');
    if (inside) {
      var limit = Math.max(data.occupancy_limit || 1, 1);
      inside.max = limit; inside.low = Math.floor(limit * 0.8); inside.high = Math.floor(limit * 0.95);
      inside.value = data.inside;
    }
    var alert = root.querySelector('[data-alert="anomalies"]');
    if (alert) { alert.classList.toggle("stat-alert", data.anomalies.total > 0); }
  }

  function updateGates(root, gates) {
    var body = root.querySelector("#gate-rows");
    if (!body) { return; }
    clear(body);
    gates.forEach(function (gate) {
      var row = element("tr", { "data-gate": gate.code });
      if (gate.offline) { row.className = "gate-offline"; }
      row.appendChild(element("th", { scope: "row", "class": "mono" }, gate.code));
      ["entries", "exits", "denied"].forEach(function (key) {
        row.appendChild(element("td", { "class": "num" }, formatNumber(root, gate[key])));
      });
      var cell = element("td");
      if (!gate.kiosks.length) {
        cell.appendChild(element("span", { "class": "kiosk kiosk-none" }, text(root, "no-kiosk")));
      }
      gate.kiosks.forEach(function (kiosk) {
        var state = kiosk.online ? text(root, "online") : text(root, "offline");
        cell.appendChild(element("span", { "class": "kiosk " + (kiosk.online ? "kiosk-online" : "kiosk-offline") },
          kiosk.name + " · " + state + " (" + ago(root, kiosk.seconds_since) + ")"));
      });
      row.appendChild(cell);
      body.appendChild(row);
    });
  }

  function updateAnomalies(root, anomalies) {
    var counts = root.querySelector("#anomaly-counts");
    var list = root.querySelector("#anomaly-list");
    if (counts) {
      clear(counts);
      Object.keys(anomalies.counts).forEach(function (code) {
        var item = element("li");
        item.appendChild(element("span", { "class": "mono" }, code));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(element("strong", {}, String(anomalies.counts[code])));
        counts.appendChild(item);
      });
    }
    if (list) {
      clear(list);
      if (!anomalies.recent.length) {
        list.appendChild(element("li", { "class": "empty" }, text(root, "none")));
      }
      anomalies.recent.forEach(function (entry) {
        var item = element("li");
        item.appendChild(element("span", { "class": "mono" }, entry.at));
        item.appendChild(document.createTextNode(" " + entry.gate + " · " + entry.codes.join(", ")));
        if (entry.serial) {
          item.appendChild(document.createTextNode(" · "));
          item.appendChild(element("span", { "class": "mono" }, entry.serial));
        }
        list.appendChild(item);
      });
    }
  }

  // The same drawing as the server's first rendering (registration/web/staff/dashboard.py).
  // Counts by credential kind and exhibitors' badges (rows drawn by the page; new
  // exhibitors appear at the next page load).
  function updateKinds(root, byKind, exhibitors) {
    (byKind || []).forEach(function (row) {
      var line = root.querySelector('#kind-counts tr[data-kind="' + row.kind + '"]');
      if (!line) { return; }
      ["issued", "admitted", "inside"].forEach(function (key) {
        var cell = line.querySelector('[data-col="' + key + '"]');
        if (cell) { cell.textContent = formatNumber(root, row[key]); }
      });
    });
    (exhibitors || []).forEach(function (org) {
      var cell = root.querySelector('#exhibitor-badges tr[data-organisation="' + org.code +
                                    '"] [data-col="badges"]');
      if (cell) {
        cell.textContent = formatNumber(root, org.used) + " / " +
          (org.quota === null ? "\u2014" : formatNumber(root, org.quota));
      }
    });
  }

  function drawChart(svg, series) {
    var box = svg.viewBox.baseVal;
    var left = Number(svg.getAttribute("data-left")), right = Number(svg.getAttribute("data-right"));
    var top = Number(svg.getAttribute("data-top")), bottom = Number(svg.getAttribute("data-bottom"));
    var innerW = box.width - left - right, innerH = box.height - top - bottom;
    var highest = Math.max.apply(null, series.map(function (p) { return p.entries; }).concat([1]));
    var step = STEPS.filter(function (s) { return highest / s <= 5; })[0] || 20000;
    var scaleMax = Math.ceil(highest / step) * step;
    var slot = innerW / Math.max(series.length, 1);
    var grid = element("g", { "class": "chart-grid" }, null, SVG);
    for (var value = 0; value <= scaleMax; value += step) {
      var y = top + innerH - innerH * value / scaleMax;
      grid.appendChild(element("line", { x1: left, x2: box.width - right, y1: y, y2: y }, null, SVG));
      grid.appendChild(element("text", { x: left - 6, y: y + 4, "text-anchor": "end" }, String(value), SVG));
    }
    var bars = element("g", { "class": "chart-bars" }, null, SVG);
    var labels = element("g", { "class": "chart-labels" }, null, SVG);
    series.forEach(function (point, index) {
      var height = innerH * point.entries / scaleMax;
      var x = left + index * slot + slot * 0.1;
      var rect = element("rect", { x: x.toFixed(1), y: (top + innerH - height).toFixed(1),
        width: (slot * 0.8).toFixed(1), height: height.toFixed(1) }, null, SVG);
      rect.appendChild(element("title", {}, point.start + ": " + point.entries, SVG));
      bars.appendChild(rect);
      if (point.start.slice(-3) === ":00") {
        labels.appendChild(element("text", { x: x.toFixed(1), y: box.height - 8 }, point.start, SVG));
      }
    });
    clear(svg);
    svg.appendChild(grid);
    svg.appendChild(bars);
    svg.appendChild(labels);
    svg.appendChild(element("line", { "class": "chart-axis", x1: left, x2: box.width - right,
      y1: top + innerH, y2: top + innerH }, null, SVG));
  }

  function start(root) {
    var url = root.getAttribute("data-url");
    var interval = Math.max(Number(root.getAttribute("data-interval")) || 5, 1) * 1000;
    var status = document.getElementById("live-status");
    var chart = root.querySelector("#entries-chart");

    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" })
        .then(function (response) {
          if (response.status === 401) { window.location.reload(); throw new Error("logged out"); }
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) {
          updateFields(root, data);
          updateGates(root, data.gates);
          updateAnomalies(root, data.anomalies);
          updateKinds(root, data.by_kind, data.exhibitors);
          if (chart) { drawChart(chart, data.series); }
          var when = new Date(data.generated_at);
          var clock = when.toLocaleTimeString("en-GB", { hour12: false, timeZone: "Asia/Shanghai" });
          status.textContent = text(root, "updated", { time: clock });
          status.classList.remove("stale");
        })
        .catch(function () {
          status.textContent = text(root, "stale");
          status.classList.add("stale");
        })
        .then(function () { window.setTimeout(poll, interval); });
    }

    if (chart && chart.parentNode.scrollWidth > chart.parentNode.clientWidth) {
      chart.parentNode.scrollLeft = chart.parentNode.scrollWidth;  // phones: show "now"
    }
    window.setTimeout(poll, interval);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("dashboard");
    if (root) { start(root); }
  });
})();
