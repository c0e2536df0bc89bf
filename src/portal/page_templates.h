// Mustache templates of the portal's pages. {{x}} is HTML-escaped by the
// engine; {{{x}}} is used only for `content` (a page rendered by these same
// templates). No inline script or style anywhere: the CSP forbids both.
// Every form posts a `csrf` field (CsrfOk in web.cc checks it).
#ifndef SEALPOST_PORTAL_PAGE_TEMPLATES_H_
#define SEALPOST_PORTAL_PAGE_TEMPLATES_H_

#include <string_view>

namespace sealpost::portal {

// Variables: title, brand_css, logo_url, portal_text, user, org (flag),
// compose (flag), admin (flag), ediscovery (flag), reader (flag), csrf,
// privacy_url, disclaimer, content.
inline constexpr std::string_view kLayoutPage = R"(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<link rel="stylesheet" href="/portal/static/portal.css">
<link rel="stylesheet" href="{{brand_css}}">
<script src="/portal/static/portal.js" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="brand-bar" role="banner">
{{#logo_url}}<img class="logo" src="{{logo_url}}" alt="Organisation logo" width="170" height="70">{{/logo_url}}
<span class="portal-text">{{portal_text}}</span>
{{#user}}
<nav class="site-nav" aria-label="Portal">
{{#org}}<a href="/sent">Sent</a>
{{#compose}}<a href="/compose">Compose</a>
{{/compose}}{{#admin}}<a href="/admin">Dashboard</a>
{{/admin}}{{#ediscovery}}<a href="/search">Search</a>
{{/ediscovery}}{{/org}}{{#reader}}<a href="/second-factor">Authenticator app</a>
{{/reader}}<form class="signout" method="post" action="/signout">
<input type="hidden" name="csrf" value="{{csrf}}">
<span class="who">Signed in as {{user}}</span>
<button type="submit">Sign out</button>
</form>
</nav>
{{/user}}
</header>
<main id="main" tabindex="-1">
{{{content}}}
</main>
<footer role="contentinfo">
{{#disclaimer}}<p class="disclaimer">{{disclaimer}}</p>{{/disclaimer}}
{{#privacy_url}}<p><a href="{{privacy_url}}" rel="noopener noreferrer">Privacy statement</a></p>{{/privacy_url}}
<p class="powered">Protected by Sealpost</p>
</footer>
</body>
</html>
)";

// Variables: id, sender, writer (a reader's forward: who forwarded it; the
// sender is the original's), otp, providers[{index, name}], csrf, email.
inline constexpr std::string_view kSignInPage =
    R"(<h1>{{#writer}}{{writer}} forwarded you a protected message{{/writer}}{{^writer}}{{#sender}}{{sender}} has sent you a protected message{{/sender}}{{^sender}}Protected message{{/sender}}{{/writer}}</h1>
{{#writer}}<p>{{writer}} wrote it, forwarding a message{{#sender}} from {{sender}}{{/sender}}.</p>{{/writer}}
<p>To read it, prove that you are one of its recipients.</p>
{{#otp}}
<section class="card" aria-labelledby="otp-h">
<h2 id="otp-h">One-time passcode</h2>
<form method="post" action="/m/{{id}}/otp">
<input type="hidden" name="csrf" value="{{csrf}}">
<label for="otp-email">Your e-mail address</label>
<input id="otp-email" name="email" type="email" autocomplete="email" required value="{{email}}">
<button type="submit" class="primary">Sign in with a one-time passcode</button>
</form>
</section>
{{/otp}}
{{#has_providers}}
<section class="card" aria-labelledby="idp-h">
<h2 id="idp-h">Your account</h2>
{{#providers}}
<a class="button" href="/m/{{id}}/oidc/{{index}}">Sign in with {{name}}</a>
{{/providers}}
</section>
{{/has_providers}}
<section class="card" aria-labelledby="org-h">
<h2 id="org-h">Organisation account</h2>
<form method="post" action="/signin">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="next" value="/m/{{id}}">
<label for="org-email">E-mail address</label>
<input id="org-email" name="email" type="email" autocomplete="username" required>
<label for="org-password">Password</label>
<input id="org-password" name="password" type="password" autocomplete="current-password" required>
<label class="check"><input type="checkbox" name="keep" value="1"> Keep me signed in</label>
<button type="submit">Sign in</button>
</form>
</section>
)";

// Variables: id, email, reference, notice, error, csrf.
inline constexpr std::string_view kOtpPage =
    R"(<h1>Enter your one-time passcode</h1>
{{#notice}}<p role="status">{{notice}}</p>{{/notice}}
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<p>If <strong>{{email}}</strong> is a recipient of this message, we have sent it a one-time passcode.{{#reference}} The mail shows the reference <strong class="reference">{{reference}}</strong>.{{/reference}} The code is valid for 15 minutes.</p>
<form method="post" action="/m/{{id}}/otp/verify" class="card">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="email" value="{{email}}">
<label for="otp-code">One-time passcode</label>
<input id="otp-code" name="code" inputmode="numeric" pattern="[0-9]{8}" maxlength="8" autocomplete="one-time-code" required autofocus>
<label class="check"><input type="checkbox" name="keep" value="1"> Keep me signed in</label>
<button type="submit" class="primary">Continue</button>
</form>
<form method="post" action="/m/{{id}}/otp">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="email" value="{{email}}">
<p>Didn't get it? Check your junk folder, or <button type="submit" class="link">send a new code</button>.</p>
</form>
)";

// Variables: heading, text, back (url), back_text, signout (flag), csrf.
inline constexpr std::string_view kNoticePage = R"(<h1>{{heading}}</h1>
{{#text}}<p>{{text}}</p>{{/text}}
{{#back}}<p><a href="{{back}}">{{back_text}}</a></p>{{/back}}
)";

// Variables: id, subject, from, to, cc, date, template, html (flag),
// body_url, blocked_images, images_url, text, attachments[{name, size,
// url, sealed}], reply, reply_all, forward, print, rights, expires.
inline constexpr std::string_view kMessagePage =
    R"(<article aria-labelledby="subject">
<h1 id="subject">{{subject}}</h1>
<dl class="meta">
<dt>From</dt><dd>{{from}}</dd>
<dt>To</dt><dd>{{to}}</dd>
{{#cc}}<dt>Cc</dt><dd>{{cc}}</dd>{{/cc}}
<dt>Date</dt><dd>{{date}}</dd>
<dt>Protection</dt><dd class="template">{{template}}{{#expires}} · expires {{expires}}{{/expires}}</dd>
</dl>
<nav class="actions" aria-label="Message actions">
{{#reply}}<a class="button" href="/m/{{id}}/reply">Reply</a>{{/reply}}
{{#reply_all}}<a class="button" href="/m/{{id}}/reply?all=1">Reply all</a>{{/reply_all}}
{{#forward}}<a class="button" href="/m/{{id}}/forward">Forward</a>{{/forward}}
{{#print}}<button type="button" id="print" class="button">Print</button>{{/print}}
</nav>
{{#blocked_images}}
<p class="images-note" role="status">Pictures from the internet were blocked to protect your privacy. <a href="{{images_url}}">Show pictures</a></p>
{{/blocked_images}}
{{#html}}<iframe class="body-frame" title="Message body" sandbox="allow-popups allow-popups-to-escape-sandbox" src="{{body_url}}"></iframe>{{/html}}
{{^html}}<div class="body-text">{{{text}}}</div>{{/html}}
{{#has_attachments}}
<section aria-labelledby="att-h">
<h2 id="att-h">Attachments</h2>
<ul class="attachments">
{{#attachments}}<li><a href="{{url}}" download>{{name}}</a> <span class="size">{{size}}</span>{{#sealed}} <span class="badge">protected copy</span>{{/sealed}}</li>
{{/attachments}}
</ul>
</section>
{{/has_attachments}}
</article>
)";

// Variables: action, heading, to_fixed (text) or to_field (flag), cc_field,
// subject, text, templates[{name, selected}], csrf, error, show_template,
// offer_pin.
inline constexpr std::string_view kComposePage = R"(<h1>{{heading}}</h1>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<form method="post" action="{{action}}" enctype="multipart/form-data" class="card compose">
<input type="hidden" name="csrf" value="{{csrf}}">
{{#to_fixed}}<p><span class="label">To</span> <span class="recipients">{{to_fixed}}</span></p>{{/to_fixed}}
{{#to_field}}
<label for="to">To</label>
<input id="to" name="to" type="text" autocomplete="off" required value="{{to_value}}" placeholder="name@example.org, …">
{{/to_field}}
{{#cc_field}}
<label for="cc">Cc</label>
<input id="cc" name="cc" type="text" autocomplete="off" value="{{cc_value}}">
{{/cc_field}}
{{#show_template}}
<label for="template">Protection</label>
<select id="template" name="template">
{{#templates}}<option{{#selected}} selected{{/selected}}>{{name}}</option>{{/templates}}
</select>
{{/show_template}}
<label for="subject">Subject</label>
<input id="subject" name="subject" type="text" value="{{subject}}">
<label for="text">Message</label>
<textarea id="text" name="text" rows="14">{{text}}</textarea>
<label for="files">Attachments</label>
<input id="files" name="files" type="file" multiple>
{{#offer_pin}}<label class="check"><input type="checkbox" name="pin" value="1"> Ask the reader for a PIN as well (you pass it on by phone: see Sent)</label>
{{/offer_pin}}
<button type="submit" class="primary">Send</button>
</form>
)";

// Variables: messages[{id, subject, to, sent, template, state, expires,
// expires_value, opens[{who, when, how}], revocable}], csrf, compose (flag),
// q, to_filter, from, until (dates),
// state_{any,active,revoked,expired} (selected flags), filtered (flag),
// older (url), newest (url), searched (note), has_messages.
inline constexpr std::string_view kSentPage =
    R"(<h1>Sent protected messages</h1>
{{#compose}}<p><a class="button primary" href="/compose">New protected message</a></p>{{/compose}}
<form method="get" action="/sent" class="card filters" role="search" aria-label="Find sent messages">
<div><label for="q">Subject words</label>
<input id="q" name="q" type="search" value="{{q}}" autocomplete="off"></div>
<div><label for="to-filter">Recipient</label>
<input id="to-filter" name="to" type="search" value="{{to_filter}}" autocomplete="off"></div>
<div><label for="from">Sent from</label>
<input id="from" name="from" type="date" value="{{from}}"></div>
<div><label for="until">Sent until</label>
<input id="until" name="until" type="date" value="{{until}}"></div>
<div><label for="state">Status</label>
<select id="state" name="state">
<option value=""{{#state_any}} selected{{/state_any}}>Any</option>
<option value="active"{{#state_active}} selected{{/state_active}}>Active</option>
<option value="revoked"{{#state_revoked}} selected{{/state_revoked}}>Revoked</option>
<option value="expired"{{#state_expired}} selected{{/state_expired}}>Expired</option>
</select></div>
<div><button type="submit">Search</button></div>
</form>
{{#searched}}<p class="note" role="status">{{searched}}</p>{{/searched}}
{{^has_messages}}<p role="status">{{#filtered}}No sent message matches.{{/filtered}}{{^filtered}}You have not sent any protected messages yet.{{/filtered}}</p>{{/has_messages}}
{{#has_messages}}
<form id="bulk" method="post" action="/sent/revoke">
<input type="hidden" name="csrf" value="{{csrf}}">
<button type="submit" class="danger">Revoke selected</button>
</form>
<div class="table-wrap">
<table class="sent">
<caption class="visually-hidden">Your protected messages, newest first</caption>
<thead><tr><th scope="col"><span class="visually-hidden">Select</span></th><th scope="col">Subject</th><th scope="col">To</th><th scope="col">Sent</th><th scope="col">Protection</th><th scope="col">Status</th><th scope="col">Opened by</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
{{#messages}}
<tr data-id="{{id}}">
<td>{{#revocable}}<input type="checkbox" form="bulk" name="id" value="{{id}}" id="sel-{{id}}" aria-label="Select {{subject}} to {{to}}">{{/revocable}}</td>
<td class="subject"><a href="/m/{{id}}">{{subject}}</a>{{#pin}}<div class="note">PIN <strong class="pin">{{pin}}</strong></div>{{/pin}}</td><td>{{to}}</td><td>{{sent}}</td><td>{{template}}</td><td class="state">{{state}}{{#expires}}<div class="note">expires {{expires}}</div>{{/expires}}</td>
<td>{{#opens}}<div>{{who}} · {{when}}{{#how}}<div class="note">{{how}}</div>{{/how}}</div>{{/opens}}{{^opens}}not opened yet{{/opens}}</td>
<td>{{#revocable}}<form method="post" action="/sent/{{id}}/revoke"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit" class="danger">Revoke</button></form>
<form method="post" action="/sent/{{id}}/expire" class="expire"><input type="hidden" name="csrf" value="{{csrf}}"><label for="exp-{{id}}">Expires on (UTC; empty: never)</label><input id="exp-{{id}}" name="expires" type="date" value="{{expires_value}}"><button type="submit">Set expiry</button></form>{{/revocable}}</td>
</tr>
{{/messages}}
</tbody>
</table>
</div>
{{/has_messages}}
<nav class="pager" aria-label="Pages">
{{#newest}}<a class="button" href="{{newest}}">Newest</a>{{/newest}}
{{#older}}<a class="button" href="{{older}}" rel="next">Older</a>{{/older}}
</nav>
)";

// Variables: error, next, csrf.
inline constexpr std::string_view kOrgSignInPage = R"(<h1>Sign in</h1>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
<form method="post" action="/signin" class="card">
<input type="hidden" name="csrf" value="{{csrf}}">
<input type="hidden" name="next" value="{{next}}">
<label for="org-email">E-mail address</label>
<input id="org-email" name="email" type="email" autocomplete="username" required>
<label for="org-password">Password</label>
<input id="org-password" name="password" type="password" autocomplete="current-password" required>
<label class="check"><input type="checkbox" name="keep" value="1"> Keep me signed in</label>
<button type="submit" class="primary">Sign in</button>
</form>
)";

// Variables: mails[{name, subject, from, to, date}].
inline constexpr std::string_view kMailboxPage = R"(<h1>Dev mailbox</h1>
<p>Mail the dev server delivered, newest first. Dev mode only.</p>
{{^has_mails}}<p>No mail yet.</p>{{/has_mails}}
<ul class="mailbox">
{{#mails}}<li><a href="/dev/mailbox/{{name}}"><strong>{{subject}}</strong></a><br><span>{{from}} → {{to}}</span> <span class="date">{{date}}</span></li>
{{/mails}}
</ul>
)";

// Variables: name, subject, from, to, date, html (flag), text.
inline constexpr std::string_view kMailPage =
    R"(<p><a href="/dev/mailbox">← Dev mailbox</a></p>
<h1>{{subject}}</h1>
<dl class="meta"><dt>From</dt><dd>{{from}}</dd><dt>To</dt><dd>{{to}}</dd><dt>Date</dt><dd>{{date}}</dd></dl>
{{#html}}<iframe class="body-frame" title="Mail body" sandbox="allow-popups allow-popups-to-escape-sandbox" src="/dev/mailbox/{{name}}/body"></iframe>{{/html}}
<div class="body-text">{{{text}}}</div>
)";

inline constexpr std::string_view kPortalCss =
    R"(:root{--fg:#1b1b1b;--muted:#595959;--accent:#0b57d0;--danger:#b3261e;--bg:#fff;--line:#d0d0d0}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:8px;z-index:10}
.brand-bar{display:flex;flex-wrap:wrap;align-items:center;gap:12px;padding:12px 16px;border-bottom:1px solid var(--line);background:#f3f3f3}
.logo{max-width:170px;max-height:70px;width:auto;height:auto}
.portal-text{font-weight:600;flex:1}
.signout{display:flex;align-items:center;gap:8px;flex-wrap:wrap}.who{color:var(--muted);font-size:14px}
.site-nav{display:flex;align-items:center;gap:12px;flex-wrap:wrap}.site-nav>a{padding:10px 4px;min-height:44px;color:var(--accent)}
.card.filters{display:flex;flex-direction:row;flex-wrap:wrap;gap:8px 16px;align-items:flex-end}.filters>div{display:flex;flex-direction:column;gap:4px;flex:1 1 12rem}
.pager{display:flex;flex-wrap:wrap;gap:8px;justify-content:space-between;margin:12px 0}.note{color:var(--muted)}
.expire{display:flex;flex-wrap:wrap;gap:4px;align-items:center;margin-top:4px}.expire input{width:auto;padding:6px}
input[type=date],input[type=search]{font:inherit;padding:10px;border:1px solid #767676;border-radius:6px;width:100%}
td input[type=checkbox]{width:24px;height:24px}
.periods{display:flex;flex-wrap:wrap;gap:8px}.periods a[aria-current]{font-weight:700;text-decoration:underline}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(18rem,1fr));gap:16px}.chart{margin:0;border:1px solid var(--line);border-radius:8px;padding:8px}
.chart svg{display:block;max-width:100%;height:auto}.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 12px}
main{max-width:60rem;margin:0 auto;padding:16px}
h1{font-size:1.5rem;line-height:1.3;word-wrap:break-word}
.card{border:1px solid var(--line);border-radius:8px;padding:16px;margin:16px 0;display:flex;flex-direction:column;gap:8px}
label{font-weight:600}.check{font-weight:400;display:flex;gap:8px;align-items:center}
input[type=email],input[type=password],input[type=text],input:not([type]),select,textarea{font:inherit;padding:10px;border:1px solid #767676;border-radius:6px;width:100%}
button,.button{font:inherit;display:inline-block;padding:10px 16px;border-radius:6px;border:1px solid var(--accent);background:#fff;color:var(--accent);text-decoration:none;cursor:pointer;min-height:44px}
.primary{background:var(--accent);color:#fff}
.danger{border-color:var(--danger);color:var(--danger)}
button.link{border:0;padding:0;min-height:0;text-decoration:underline;background:none}
:focus-visible{outline:3px solid #ffbf47;outline-offset:2px}
.error{color:var(--danger);font-weight:600}
figure.qr{margin:8px 0}svg.qr{max-width:100%;height:auto;display:block}.totp-secret{word-break:break-all}
.meta{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0 0 12px}.meta dt{color:var(--muted)}.meta dd{margin:0;word-break:break-word}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:12px 0}
.body-frame{width:100%;height:70vh;border:1px solid var(--line);border-radius:6px}
.body-text{white-space:pre-wrap;word-wrap:break-word;border:1px solid var(--line);border-radius:6px;padding:12px;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:14px}
.attachments{padding-left:20px}.size{color:var(--muted)}.badge{font-size:12px;border:1px solid var(--muted);border-radius:4px;padding:0 4px}
.table-wrap{overflow-x:auto;position:relative}table{border-collapse:collapse;width:100%}th,td{text-align:left;border-bottom:1px solid var(--line);padding:8px;vertical-align:top}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.mailbox{list-style:none;padding:0}.mailbox li{border-bottom:1px solid var(--line);padding:8px 0}
footer{max-width:60rem;margin:24px auto;padding:0 16px;color:var(--muted);font-size:14px}
@media print{.brand-bar form,.actions,footer,.skip{display:none}.body-frame{height:auto;border:0}}
)";

// The only script: the Print button (no inline handlers under the CSP).
inline constexpr std::string_view kPortalJs =
    R"(document.addEventListener('DOMContentLoaded', function () {
  var p = document.getElementById('print');
  if (p) p.addEventListener('click', function () { window.print(); });
});
)";

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PAGE_TEMPLATES_H_
