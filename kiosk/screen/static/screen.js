// The gate screen: draws what the kiosk program sends on /events (kiosk/screen/server.py).
(function () {
  "use strict";
  var STALE_MS = 15000;  // no message (not even a heartbeat) this long: reconnect
  var byId = function (id) { return document.getElementById(id); };
  var shown = [];  // {seq, at, shownAt}: when each verdict reached the screen (ms, epoch)
  window.fairgateScreen = { shown: shown };
  var source = null;
  var lastMessage = Date.now();
  var lost = false;

  function setText(id, value) { byId(id).textContent = value || ""; }

  function now() { return performance.timeOrigin + performance.now(); }

  function showVerdict(v) {
    var panel = byId("verdict");
    panel.dataset.colour = v.colour;
    panel.dataset.reason = v.reason;
    panel.dataset.seq = String(v.seq);
    setText("headline", v.lines.headline);
    setText("reason-zh", v.lines.reason_zh);
    setText("reason-en", v.lines.reason_en);
    setText("holder", v.lines.holder);
    setText("kind", v.kind);
    // The kind's colour (gate/kinds.py) as the tag's band, as on passes and badges.
    byId("kind").style.borderLeftColor = v.kind_colour || "transparent";
    setText("notes", (v.notes || []).join("  ·  "));
    setText("code", v.lines.code);
    // A needs-staff verdict stays until staff tap OK (kiosk.app waits for the "ack" key).
    byId("ack").hidden = !v.needs_staff;
    byId("idle").hidden = true;
    panel.hidden = false;
    document.body.dataset.screen = "verdict";
    // Two animation frames: the second runs once the panel has been painted.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        shown.push({ seq: v.seq, at: v.at, shownAt: now() });
        if (shown.length > 1000) { shown.shift(); }
      });
    });
  }

  function sendKey(key) {
    fetch("/key", { method: "POST", headers: { "Content-Type": "application/json" },
                    body: JSON.stringify({ key: key }) });
  }
  byId("ack").addEventListener("click", function () { sendKey("ack"); });
  if (byId("annul")) {
    byId("annul").addEventListener("click", function () { sendKey("annul"); });
  }

  function showIdle() {
    byId("verdict").hidden = true;
    byId("idle").hidden = false;
    document.body.dataset.screen = "idle";
  }

  function showStatus(s) {
    var online = byId("online");
    online.textContent = s.state;
    online.className = s.online ? "online" : "offline";
    var box = byId("items");
    box.textContent = "";
    s.items.forEach(function (item) {
      var span = document.createElement("span");
      span.textContent = (item.label ? item.label + " " : "") + item.value;
      box.appendChild(span);
    });
    fitStrip();
  }

  // Shrink the strip's type until every item fits the width (never cut the sync time off).
  function fitStrip() {
    var bar = byId("status");
    bar.style.fontSize = "";
    var size = parseFloat(getComputedStyle(bar).fontSize);
    for (var i = 0; i < 20 && bar.scrollWidth > bar.clientWidth && size > 6; i += 1) {
      size *= 0.93;
      bar.style.fontSize = size + "px";
    }
  }

  function setLost(value) {
    lost = value;
    byId("lost").hidden = !value;
  }

  function startPreview() { byId("preview").src = "/preview?" + Date.now(); }

  function listen(kind, draw) {
    source.addEventListener(kind, function (event) {
      lastMessage = Date.now();
      if (draw) { draw(JSON.parse(event.data)); }
    });
  }

  function connect() {
    source = new EventSource("/events");
    source.onopen = function () {
      lastMessage = Date.now();
      if (lost) { startPreview(); }  // the MJPEG stream ended with the old connection
      setLost(false);
    };
    source.onerror = function () { setLost(true); };
    listen("verdict", showVerdict);
    listen("idle", showIdle);
    listen("status", showStatus);
    listen("heartbeat", null);
  }

  setInterval(function () {
    if (Date.now() - lastMessage > STALE_MS) {  // a hung kiosk closes nothing: give up on it
      source.close();
      setLost(true);
      lastMessage = Date.now();
      connect();
    }
  }, 3000);
  window.addEventListener("resize", fitStrip);
  connect();
  // After "load": a never-ending MJPEG response must not hold the page's load event.
  window.addEventListener("load", startPreview);
}());
