/* incidentctl status banner: <script src="https://status.example/banner.js" defer></script>
   Reads status.json next to this file; shows nothing when all is well. No dependency. */
(function () {
  var s = document.currentScript, base = s.src.replace(/[^/]*$/, "");
  var lang = (s.getAttribute("data-lang") || document.documentElement.lang || "en").slice(0, 2);
  var t = lang == "fr"
    ? ["Incident en cours", "En savoir plus", "Rétablissement prévu"]
    : ["Incident in progress", "More information", "ETA"];
  function show(list) {
    var old = document.getElementById("incidentctl-banner");
    if (old) old.remove();
    if (!list.length) return;
    var box = document.createElement("div"), i = list[0];
    box.id = "incidentctl-banner";
    box.setAttribute("role", "status");
    box.style.cssText = "background:#b34700;color:#fff;padding:.6em 1em;font:600 15px/1.4 system-ui,sans-serif";
    box.appendChild(document.createTextNode(t[0] + ": " + i.name + (i.eta ? " · " + t[2] + ": " + i.eta : "") + " — "));
    var a = document.createElement("a");
    a.href = base + i.url;
    a.style.color = "#fff";
    a.textContent = t[1];
    box.appendChild(a);
    document.body.insertBefore(box, document.body.firstChild);
  }
  function load() {
    fetch(base + "api/v2/status.json", { cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (d) { show((d.incidentctl && d.incidentctl.incidents) || []); })
      .catch(function () {});
  }
  load();
  setInterval(load, +(s.getAttribute("data-refresh") || 60) * 1000);
})();
