import Mustache

/// The console's pages as Mustache templates, compiled into the binary (no file is read at run time). Every
/// page extends `layout`; values are HTML-escaped (`{{x}}`), and only markup the console builds itself (the
/// chart) goes in unescaped (`{{{x}}}`).
enum ConsoleTemplates {
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in pages {
            // The templates are part of the source: one that does not parse is a bug caught by every test.
            try! library.register(text, named: name)
        }
        return library
    }()

    /// The page `name` rendered with `values`.
    static func render(_ name: String, _ values: [String: Any]) -> String {
        library.render(guarded(values), withTemplate: name) ?? "template \(name) is missing"
    }

    /// `value` with every text made safe for the escaping of swift-mustache, which escapes a character (a
    /// grapheme cluster) only when it is exactly `"`, `'`, `<`, `>` or `&`: a quote joined to a combining mark
    /// (`"\u{301}`) or to a prepended mark before it is one character it leaves alone, though the browser still
    /// reads the quote. Zero-width spaces around such a markup character make it a character of its own, which
    /// is then escaped.
    static func guarded(_ value: Any) -> Any {
        switch value {
        case let text as String: return guarded(text)
        case let object as [String: Any]: return object.mapValues(guarded)
        case let list as [[String: Any]]: return list.map { $0.mapValues(guarded) }
        case let list as [String]: return list.map(guarded)
        default: return value
        }
    }

    private static let markup = Set("\"'<>&".unicodeScalars)

    static func guarded(_ text: String) -> String {
        let joined = { (character: Character) in
            character.unicodeScalars.count > 1 && character.unicodeScalars.contains { markup.contains($0) }
        }
        guard text.contains(where: joined) else { return text }
        var out = String.UnicodeScalarView()
        for character in text {
            guard joined(character) else {
                out.append(contentsOf: character.unicodeScalars)
                continue
            }
            for scalar in character.unicodeScalars {
                if markup.contains(scalar) {
                    out.append(contentsOf: ["\u{200B}", scalar, "\u{200B}"])
                } else {
                    out.append(scalar)
                }
            }
        }
        return String(out)
    }

    static let pages: [String: String] = [
        "layout": layout, "login": login, "overview": overview, "events": events, "event": event,
        "contact": contact, "failures": failures, "preview": preview, "replays": replays, "audit": audit,
        "problem": problem,
    ]

    static let layout = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · crisp-bridge</title>
        <link rel="stylesheet" href="/console/assets/console.css">
        </head>
        <body>
        <header>
          <a class="brand" href="/console">crisp-bridge</a>
          {{#session}}
          <nav>
            <a href="/console" class="{{#navOverview}}active{{/navOverview}}">Overview</a>
            <a href="/console/events" class="{{#navEvents}}active{{/navEvents}}">Events</a>
            <a href="/console/failures" class="{{#navFailures}}active{{/navFailures}}">Failures</a>
            <a href="/console/replays" class="{{#navReplays}}active{{/navReplays}}">Replays</a>
            <a href="/console/audit" class="{{#navAudit}}active{{/navAudit}}">Audit</a>
          </nav>
          <form class="search" method="get" action="/console/contact">
            <input type="search" name="email" placeholder="Email or Crisp people id" aria-label="Contact email or Crisp people id" value="{{searchEmail}}">
          </form>
          <span class="who" id="who">{{role}}</span>
          <form method="post" action="/console/logout"><input type="hidden" name="csrf" value="{{csrf}}"><button class="link">Log out</button></form>
          {{/session}}
        </header>
        {{#alerts}}<div class="banner" role="alert">{{.}}</div>{{/alerts}}
        {{#notice}}<div class="notice" role="status">{{.}}</div>{{/notice}}
        {{#error}}<div class="error" role="alert">{{.}}</div>{{/error}}
        <main>
        {{$content}}{{/content}}
        </main>
        <script src="/console/assets/console.js"></script>
        </body>
        </html>
        """#

    static let login = #"""
        {{<layout}}{{$content}}
        <section class="login">
          <h1>Sign in</h1>
          <p>Give the admin token (<code>BRIDGE_ADMIN_TOKEN</code>) or the read-only console token
          (<code>BRIDGE_CONSOLE_READONLY_TOKEN</code>).</p>
          <form method="post" action="/console/login">
            <label>Token <input type="password" name="token" id="token" autocomplete="current-password" required autofocus></label>
            <button type="submit" id="sign-in">Sign in</button>
          </form>
        </section>
        {{/content}}{{/layout}}
        """#

    static let overview = #"""
        {{<layout}}{{$content}}
        <h1>Overview <small>as of {{now}}</small></h1>
        <section class="cards">
          <div class="card" id="quota">
            <h2>Crisp quota today (UTC)</h2>
            <p class="big"><span id="quota-used">{{quotaUsed}}</span> of {{quota}} used, <span id="quota-left">{{quotaLeft}}</span> left</p>
            <p>{{forecast}}</p>
            <p>423 (quota) answers: {{locked}} · 429 (rate limit) answers: {{limited}}</p>
          </div>
          <div class="card">
            <h2>Pipelines</h2>
            <p class="big">{{pipelineCount}} loaded · generation {{generation}}</p>
            {{#admin}}<form method="post" action="/console/reload" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button id="reload">Reload the pipelines</button></form>{{/admin}}
            {{#lastReload}}<p>Last reload: {{outcome}} ({{cause}}, {{at}})</p>
            {{#problems}}<pre class="problem">{{.}}</pre>{{/problems}}{{/lastReload}}
          </div>
        </section>
        <h2>Deliveries per minute, last 24 hours</h2>
        <figure class="chart">{{{chart}}}<figcaption>{{deliveredDay}} delivered in 24 h; peak {{peak}} per minute</figcaption></figure>
        <h2>Pipelines</h2>
        <table class="grid" id="pipelines">
          <thead><tr><th>Pipeline</th><th>Sender</th><th>Version</th><th>Received 1 h / 24 h</th><th>Delivered</th><th>Skipped</th><th>Failed attempts</th><th>Dead now</th><th>Backlog</th><th>Oldest pending</th></tr></thead>
          <tbody>
          {{#pipelines}}
          <tr><td><a href="/console/events?pipeline={{nameQuery}}">{{name}}</a></td><td>{{sender}}</td><td><code>{{version}}</code></td>
            <td>{{receivedHour}} / {{receivedDay}}</td><td>{{deliveredHour}} / {{deliveredDay}}</td><td>{{skippedHour}} / {{skippedDay}}</td>
            <td>{{failedHour}} / {{failedDay}}</td><td class="{{#deadAny}}bad{{/deadAny}}">{{deadHour}} / {{deadDay}}</td><td>{{backlog}}</td><td>{{oldest}}</td></tr>
          {{/pipelines}}
          </tbody>
        </table>
        {{#hasPolls}}
        <h2>Polls</h2>
        <table class="grid" id="polls">
          <thead><tr><th>Pipeline</th><th>Last success</th><th>Lag</th><th>Failures in a row</th><th>Cursor</th><th>Last error</th></tr></thead>
          <tbody>{{#polls}}<tr><td>{{pipeline}}</td><td>{{lastSuccess}}</td><td>{{lag}}</td><td class="{{#failing}}bad{{/failing}}">{{failures}}</td><td><code>{{cursor}}</code></td><td>{{lastError}}</td></tr>{{/polls}}</tbody>
        </table>
        {{/hasPolls}}
        {{/content}}{{/layout}}
        """#

    static let filterForm = #"""
        <form class="filters" method="get" action="/console/events" id="filters">
          <label>Status <select name="status"><option value="">any</option>{{#statuses}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/statuses}}</select></label>
          <label>Pipeline <select name="pipeline"><option value="">any</option>{{#pipelineChoices}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/pipelineChoices}}</select></label>
          <label>Sender <select name="sender"><option value="">any</option>{{#senderChoices}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/senderChoices}}</select></label>
          <label>Contact <input name="contact" value="{{f.contact}}" placeholder="email or people id" id="filter-contact"></label>
          <label>Id <input name="dedupe_id" value="{{f.dedupe_id}}" placeholder="dedupe / source id"></label>
          <label class="wide">Field <input name="field" value="{{f.field}}" placeholder="body.current.email = ada@example.com" id="filter-field"></label>
          <label>Since <input name="since" value="{{f.since}}" placeholder="2h, 7d, 2026-12-07"></label>
          <label>Until <input name="until" value="{{f.until}}" placeholder="ISO time or age"></label>
          <button type="submit" id="apply">Apply</button> <a href="/console/events">Clear</a>
        </form>
        """#

    static let events = #"""
        {{<layout}}{{$content}}
        <h1>Events</h1>
        """# + filterForm + #"""
            <div class="toolbar">
              <label><input type="checkbox" id="live" data-tail="/console/tail?{{tailQuery}}" data-after="{{newest}}"> Live tail</label>
              {{#admin}}{{#replayable}}
              <form method="post" action="/console/replays/preview" class="inline">
                <input type="hidden" name="csrf" value="{{csrf}}">
                {{#filterFields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/filterFields}}
                <button type="submit" id="replay-view">Replay these events…</button>
              </form>
              {{/replayable}}{{/admin}}
              {{#searched}}<span class="note">Searched events {{searched}}.</span>{{/searched}}
            </div>
            <table class="grid" id="events">
              <thead><tr><th>#</th><th>Received</th><th>Pipeline</th><th>Status</th><th>Contact</th><th>Attempts</th><th>Id</th><th>Last error</th></tr></thead>
              <tbody>
              {{#events}}
              <tr id="ev-{{id}}" data-id="{{id}}"><td><a href="/console/events/{{id}}">{{id}}</a></td><td>{{received}}</td><td>{{pipeline}}</td>
                <td class="status {{status}}">{{status}}</td><td>{{#contact}}<a href="/console/contact?email={{contactQuery}}">{{contact}}</a>{{/contact}}</td>
                <td>{{attempts}}</td><td><code>{{dedupe}}</code></td><td class="reason">{{lastError}}</td></tr>
              {{/events}}
              </tbody>
            </table>
            {{^events}}<p class="empty" id="no-events">No event matches{{#searched}} in this window{{/searched}}.</p>{{/events}}
            {{#next}}<p><a href="{{next}}" id="older">Older →</a></p>{{/next}}
            {{/content}}{{/layout}}
            """#

    static let event = #"""
        {{<layout}}{{$content}}
        <h1>Event {{id}} <span class="status {{status}}" id="event-status">{{status}}</span></h1>
        <dl class="facts">
          <dt>Pipeline</dt><dd>{{pipeline}} (planned by version <code>{{plannedBy}}</code>{{#currentVersion}}; loaded now: <code>{{currentVersion}}</code>{{/currentVersion}})</dd>
          <dt>Id</dt><dd><code>{{dedupe}}</code> (event {{index}} of its request)</dd>
          <dt>Contact</dt><dd>{{#contact}}<a href="/console/contact?email={{contactQuery}}">{{contact}}</a>{{/contact}}</dd>
          <dt>Received</dt><dd>{{received}}</dd>
          <dt>Progress</dt><dd>{{progress}} operation(s) done, {{attempts}} attempt(s){{#next}}, next attempt {{next}}{{/next}}</dd>
          {{#lastError}}<dt>Last error</dt><dd class="reason">{{lastError}}</dd>{{/lastError}}
        </dl>
        <div class="actions">
          {{#admin}}
          <form method="post" action="/console/events/{{id}}/replay" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button id="replay">Replay</button></form>
          <form method="post" action="/console/events/{{id}}/replay" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="force" value="1"><button id="replay-force">Replay with --force</button></form>
          {{/admin}}
          <button type="button" class="copy" data-copy="{{command}}">Copy command</button> <code id="command">{{command}}</code>
        </div>
        <h2>Attempts</h2>
        <table class="grid" id="attempts">
          <thead><tr><th>At</th><th>Outcome</th><th>HTTP</th><th>Duration</th><th>Reason</th><th>Operations</th></tr></thead>
          <tbody>{{#attemptRows}}<tr><td>{{at}}</td><td class="status {{outcome}}">{{outcome}}</td><td>{{status}}</td><td>{{duration}}</td><td class="reason">{{reason}}</td>
            <td><ul class="ops">{{#operations}}<li><code>{{action}}</code> {{subject}}: {{result}}</li>{{/operations}}</ul></td></tr>{{/attemptRows}}</tbody>
        </table>
        <h2>Plan</h2>
        {{#plan}}<pre class="json" id="plan">{{plan}}</pre>{{/plan}}
        {{#planNote}}<p class="note">{{planNote}}</p>{{/planNote}}
        <h2>Request</h2>
        <p><code>{{method}} {{target}}</code></p>
        <table class="grid headers" id="headers"><tbody>{{#headers}}<tr><th>{{name}}</th><td>{{value}}</td></tr>{{/headers}}</tbody></table>
        <pre class="json" id="body">{{body}}</pre>
        {{/content}}{{/layout}}
        """#

    static let contact = #"""
        {{<layout}}{{$content}}
        <h1>Contact {{email}}</h1>
        <p>Every event that touched this contact, across pipelines and senders, newest first.</p>
        <ol class="timeline" id="timeline">
        {{#entries}}
          <li><a href="/console/events/{{id}}">Event {{id}}</a> · {{received}} · {{pipeline}} ({{sender}}) · <span class="status {{status}}">{{status}}</span>
            {{#lastError}}<div class="reason">{{lastError}}</div>{{/lastError}}
            <ul class="ops">{{#operations}}<li><code>{{action}}</code> {{subject}}: {{result}}</li>{{/operations}}</ul></li>
        {{/entries}}
        </ol>
        {{^entries}}<p class="empty">No event is recorded for this contact.</p>{{/entries}}
        {{/content}}{{/layout}}
        """#

    static let failures = #"""
        {{<layout}}{{$content}}
        <h1>Failures</h1>
        <p>Dead events grouped by pipeline and cause (what varies between events — emails, ids, numbers — is taken out).</p>
        <table class="grid" id="groups">
          <thead><tr><th>Pipeline</th><th>Cause</th><th>Events</th><th>First seen</th><th>Last seen</th><th></th></tr></thead>
          <tbody>
          {{#groups}}
          <tr data-group="{{key}}"><td>{{pipeline}}</td><td class="reason" title="{{example}}">{{cause}}</td><td class="count">{{count}}</td><td>{{first}}</td><td>{{last}}</td>
            <td><a href="/console/events?status=dead&amp;pipeline={{pipelineQuery}}">Events</a>
            {{#admin}}<form method="post" action="/console/replays/preview" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="group" value="{{key}}"><button class="replay-group">Replay group…</button></form>{{/admin}}</td></tr>
          {{/groups}}
          </tbody>
        </table>
        {{^groups}}<p class="empty" id="no-failures">No dead event.</p>{{/groups}}
        {{/content}}{{/layout}}
        """#

    static let preview = #"""
        {{<layout}}{{$content}}
        <h1>Replay {{count}} event(s)?</h1>
        <p id="selection">{{selection}}</p>
        <p>The replay runs in the background, a page at a time; you can watch it and cancel it under Replays. Delivery
        respects Crisp's quota and rate limit like every delivery. A dead event resumes after the operations it already
        carried out; a done event runs its whole plan again.</p>
        <form method="post" action="/console/replays">
          <input type="hidden" name="csrf" value="{{csrf}}">
          {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}
          <input type="hidden" name="expected" value="{{count}}">
          <label><input type="checkbox" name="force" value="1"> --force (write every value, even one equal to what was last written)</label>
          <label><input type="checkbox" name="from_start" value="1"> --from-start (run whole plans again: Crisp events, notes and calls may be sent twice)</label>
          <p><button type="submit" id="confirm" {{#none}}disabled{{/none}}>Replay {{count}} event(s)</button> <a href="{{back}}">Cancel</a></p>
        </form>
        {{/content}}{{/layout}}
        """#

    static let replays = #"""
        {{<layout}}{{$content}}
        <h1>Bulk replays</h1>
        {{#running}}<p class="note" id="refreshing" data-refresh="2">Refreshing while a replay runs.</p>{{/running}}
        <table class="grid" id="jobs">
          <thead><tr><th>#</th><th>Selection</th><th>By</th><th>State</th><th>Progress</th><th>Started</th><th>Ended</th><th></th></tr></thead>
          <tbody>
          {{#jobs}}
          <tr data-job="{{id}}"><td>{{id}}</td><td>{{selection}}</td><td>{{actor}}</td><td class="state {{state}}">{{state}}</td>
            <td><progress max="{{expectedMax}}" value="{{replayed}}"></progress> <span class="replayed">{{replayed}}</span> of {{expected}}{{#problem}} — {{problem}}{{/problem}}</td><td>{{started}}</td><td>{{ended}}</td>
            <td>{{#admin}}{{#isRunning}}<form method="post" action="/console/replays/{{id}}/cancel" class="inline"><input type="hidden" name="csrf" value="{{csrf}}"><button class="cancel">Cancel</button></form>{{/isRunning}}{{/admin}}</td></tr>
          {{/jobs}}
          </tbody>
        </table>
        {{^jobs}}<p class="empty">No bulk replay since this instance started.</p>{{/jobs}}
        {{/content}}{{/layout}}
        """#

    static let audit = #"""
        {{<layout}}{{$content}}
        <h1>Audit log</h1>
        <table class="grid" id="audit">
          <thead><tr><th>At</th><th>Who</th><th>Action</th><th>What</th><th>Events</th></tr></thead>
          <tbody>{{#entries}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{detail}}</td><td>{{count}}</td></tr>{{/entries}}</tbody>
        </table>
        {{/content}}{{/layout}}
        """#

    static let problem = #"""
        {{<layout}}{{$content}}
        <h1>{{heading}}</h1>
        <p>{{message}}</p>
        <p><a href="{{back}}">Back</a></p>
        {{/content}}{{/layout}}
        """#
}
