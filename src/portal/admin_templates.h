// The admin dashboard's page templates (admin.cc; the layout and the
// stylesheet are page_templates.h's). The charts are inline SVG with
// presentation attributes only (no style attribute: the CSP has no
// 'unsafe-inline'), each named by its caption and described as text for
// screen readers, with the totals also in a table.
#ifndef SEALPOST_PORTAL_ADMIN_TEMPLATES_H_
#define SEALPOST_PORTAL_ADMIN_TEMPLATES_H_

#include <string_view>

namespace sealpost::portal {

// Variables: id, title, total, max, desc, bars[{x, y, w, h, fill, label}],
// ticks[{x, text}], has_legend (flag), legend[{name, fill, total}].
inline constexpr std::string_view kChartSvg =
    R"(<figure class="chart" id="chart-{{id}}">
<figcaption id="{{id}}-t">{{title}}: <strong data-total="{{id}}">{{total}}</strong></figcaption>
<svg viewBox="0 0 600 172" width="100%" role="img" aria-labelledby="{{id}}-t {{id}}-d" focusable="false">
<desc id="{{id}}-d">{{desc}}</desc>
<line x1="44" y1="150" x2="600" y2="150" stroke="#767676" stroke-width="1"/>
<text x="38" y="18" text-anchor="end" font-size="13" fill="#1b1b1b">{{max}}</text>
<text x="38" y="150" text-anchor="end" font-size="13" fill="#1b1b1b">0</text>
{{#bars}}<rect x="{{x}}" y="{{y}}" width="{{w}}" height="{{h}}" fill="{{fill}}"><title>{{label}}</title></rect>
{{/bars}}{{#ticks}}<text x="{{x}}" y="168" text-anchor="middle" font-size="13" fill="#1b1b1b">{{text}}</text>
{{/ticks}}</svg>
{{#has_legend}}<ul class="legend" aria-label="{{title}} by template">
{{#legend}}<li><svg width="14" height="14" aria-hidden="true" focusable="false"><rect width="14" height="14" fill="{{fill}}"/></svg> {{name}}: {{total}}</li>
{{/legend}}</ul>{{/has_legend}}
</figure>
)";

// Variables: period, since, periods[{href, name, current}], charts[{html}],
// queue_depth, events[{when, who, action, result, object, trace, detail}].
inline constexpr std::string_view kAdminPage = R"(<h1>Dashboard</h1>
<nav class="periods" aria-label="Period">
{{#periods}}<a class="button" href="{{href}}"{{#current}} aria-current="page"{{/current}}>{{name}}</a>
{{/periods}}</nav>
<p class="note">The last {{period}}, since {{since}}. Deliveries waiting in the queue now: <strong data-total="queue-depth">{{queue_depth}}</strong>.</p>
<div class="charts">
{{#charts}}{{{html}}}{{/charts}}
</div>
<h2 id="recent">Recent audit events</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="recent">
<table class="audit" aria-labelledby="recent">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">Object</th><th scope="col">Detail</th></tr></thead>
<tbody>
{{#events}}<tr><td>{{when}}</td><td>{{who}}</td><td>{{action}}</td><td>{{result}}</td><td>{{#trace}}<a href="{{trace}}">{{object}}</a>{{/trace}}{{^trace}}{{object}}{{/trace}}</td><td>{{detail}}</td></tr>
{{/events}}</tbody>
</table>
</div>
)";

// Variables: id, found (flag), owner, to, created, template, state,
// events[...] as kAdminPage's.
inline constexpr std::string_view kAdminMessagePage =
    R"(<p><a href="/admin">← Dashboard</a></p>
<h1>Message {{id}}</h1>
{{#found}}<dl class="meta"><dt>Sender</dt><dd>{{owner}}</dd><dt>To</dt><dd>{{to}}</dd><dt>Protected</dt><dd>{{created}}</dd><dt>Protection</dt><dd>{{template}}</dd><dt>Status</dt><dd>{{state}}</dd></dl>{{/found}}
<h2 id="trace">Trace</h2>
<div class="table-wrap" tabindex="0" role="region" aria-labelledby="trace">
<table class="audit" aria-labelledby="trace">
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Result</th><th scope="col">Detail</th></tr></thead>
<tbody>
{{#events}}<tr><td>{{when}}</td><td>{{who}}</td><td>{{action}}</td><td>{{result}}</td><td>{{detail}}</td></tr>
{{/events}}</tbody>
</table>
</div>
)";

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_ADMIN_TEMPLATES_H_
