/// The console's style sheet and script, compiled into the binary: no CDN, no build step. The script only
/// enhances pages that work without it: the live tail, copy buttons, and refreshing a page while a replay runs.
enum ConsoleAssets {
    static let css = #"""
        :root { --fg: #1d2230; --muted: #5b6272; --line: #dde1e8; --bg: #f7f8fa; --accent: #1972f5; --bad: #c62828;
          --ok: #1b7f3b; --warn: #a15c00; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--fg); background: var(--bg); font-size: 14px; }
        header { display: flex; gap: 16px; align-items: center; padding: 8px 20px; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
        header .brand { font-weight: 700; color: var(--fg); text-decoration: none; margin-right: 12px; }
        header nav a { margin-right: 12px; color: var(--muted); text-decoration: none; }
        header nav a.active { color: var(--accent); font-weight: 600; }
        header .search input { width: 220px; }
        header .who { margin-left: auto; color: var(--muted); }
        main { padding: 16px 20px 40px; }
        h1 small { font-size: 13px; color: var(--muted); font-weight: 400; }
        h2 { font-size: 16px; margin-top: 24px; }
        .banner { background: var(--bad); color: #fff; padding: 8px 20px; font-weight: 600; }
        .notice { background: #e8f3ff; padding: 8px 20px; }
        .error { background: #fdecea; color: var(--bad); padding: 8px 20px; }
        .cards { display: flex; gap: 16px; flex-wrap: wrap; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px 16px; min-width: 300px; }
        .card h2 { margin-top: 0; }
        .big { font-size: 18px; font-weight: 600; }
        table.grid { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); }
        table.grid th, table.grid td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        table.grid th { background: #f0f2f5; font-weight: 600; }
        table.headers th { width: 30%; }
        td.bad, .bad { color: var(--bad); font-weight: 600; }
        .status.done, .state.finished { color: var(--ok); }
        .status.dead, .state.failed { color: var(--bad); font-weight: 600; }
        .status.pending, .status.retry, .state.running { color: var(--warn); }
        .reason { max-width: 520px; overflow-wrap: anywhere; }
        .filters { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; background: #fff; padding: 10px; border: 1px solid var(--line); margin-bottom: 10px; }
        .filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
        .filters label.wide input { width: 300px; }
        .toolbar { display: flex; gap: 16px; align-items: center; margin: 8px 0; }
        form.inline { display: inline; }
        button { cursor: pointer; }
        button.link { background: none; border: none; color: var(--accent); padding: 0; }
        pre.json, pre.problem { background: #fff; border: 1px solid var(--line); padding: 10px; overflow: auto; max-height: 480px; }
        .facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
        .facts dt { color: var(--muted); }
        .facts dd { margin: 0; }
        .actions { margin: 12px 0; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
        .note, .empty { color: var(--muted); }
        ul.ops { margin: 0; padding-left: 16px; }
        ol.timeline li { margin-bottom: 10px; }
        figure.chart { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
        figure.chart svg { width: 100%; height: 140px; }
        figcaption { color: var(--muted); font-size: 12px; }
        section.login { max-width: 420px; margin: 60px auto; background: #fff; padding: 20px; border: 1px solid var(--line); border-radius: 6px; }
        section.login input { width: 100%; margin: 6px 0 12px; padding: 6px; }
        tr.fresh { background: #fffbe6; }
        """#

    static let js = #"""
        (function () {
          "use strict";
          document.querySelectorAll("button.copy").forEach(function (button) {
            button.addEventListener("click", function () {
              var text = button.getAttribute("data-copy");
              if (navigator.clipboard) { navigator.clipboard.writeText(text); }
              button.textContent = "Copied";
            });
          });
          var refresh = document.querySelector("[data-refresh]");
          if (refresh) { setTimeout(function () { location.reload(); }, 1000 * Number(refresh.getAttribute("data-refresh"))); }
          var live = document.getElementById("live");
          var table = document.querySelector("#events tbody");
          if (!live || !table) { return; }
          var source = null;
          function cell(text, className) {
            var td = document.createElement("td");
            if (className) { td.className = className; }
            td.textContent = text == null ? "" : String(text);
            return td;
          }
          function show(event) {
            var row = document.getElementById("ev-" + event.id);
            if (row) {
              var status = row.querySelector("td.status");
              status.textContent = event.status;
              status.className = "status " + event.status;
              row.querySelectorAll("td")[5].textContent = String(event.attempts);
              row.querySelector("td.reason").textContent = event.last_error || "";
              return;
            }
            row = document.createElement("tr");
            row.id = "ev-" + event.id;
            row.className = "fresh";
            row.setAttribute("data-id", event.id);
            var link = document.createElement("a");
            link.href = "/console/events/" + event.id;
            link.textContent = String(event.id);
            var first = cell("");
            first.appendChild(link);
            row.appendChild(first);
            row.appendChild(cell(event.received_at));
            row.appendChild(cell(event.pipeline));
            row.appendChild(cell(event.status, "status " + event.status));
            row.appendChild(cell(event.contact));
            row.appendChild(cell(event.attempts));
            var id = cell("");
            var code = document.createElement("code");
            code.textContent = event.dedupe_id;
            id.appendChild(code);
            row.appendChild(id);
            row.appendChild(cell(event.last_error, "reason"));
            table.insertBefore(row, table.firstChild);
            // The newest 500 rows stay: a tail left open on a busy store does not grow the page without end.
            while (table.rows.length > 500) { table.deleteRow(table.rows.length - 1); }
            var empty = document.getElementById("no-events");
            if (empty) { empty.remove(); }
          }
          function pendingRows() {
            var ids = [];
            table.querySelectorAll("tr").forEach(function (row) {
              var status = row.querySelector("td.status");
              if (status && status.textContent === "pending" && ids.length < 200) { ids.push(row.getAttribute("data-id")); }
            });
            return ids.join(",");
          }
          function start() {
            // Opened again with what the page holds now (the newest event, the rows still pending) whenever the
            // stream ends: the server closes it after 30 minutes, a proxy or a restart sooner.
            var after = live.getAttribute("data-after") || "0";
            source = new EventSource(live.getAttribute("data-tail") + "&after=" + encodeURIComponent(after) +
              "&watch=" + encodeURIComponent(pendingRows()));
            source.addEventListener("event", function (message) {
              var event = JSON.parse(message.data);
              if (event.id > Number(live.getAttribute("data-after") || "0")) { live.setAttribute("data-after", event.id); }
              show(event);
            });
            source.onerror = function () {
              if (source) { source.close(); }
              source = null;
              setTimeout(function () { if (live.checked && !source) { start(); } }, 2000);
            };
          }
          live.addEventListener("change", function () {
            if (live.checked) { start(); } else if (source) { source.close(); source = null; }
          });
        })();
        """#
}
