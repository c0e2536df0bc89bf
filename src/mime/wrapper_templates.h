// Mustache templates of the wrapper mail. {{var}} is HTML-escaped by the
// engine; the text part is plain text, where escaping does no harm to the
// readable link, so both use the same variables:
//   sender, introduction, button, link, email_text, disclaimer,
//   privacy_url, background, template, logo (flag), expires, attached
//   (flag: message.sealed is attached).
#ifndef SEALPOST_MIME_WRAPPER_TEMPLATES_H_
#define SEALPOST_MIME_WRAPPER_TEMPLATES_H_

#include <string_view>

namespace sealpost::mime {

inline constexpr std::string_view kTextTemplate =
    R"({{{sender}}} {{{introduction}}}

{{{button}}}:
{{{link}}}
{{#expires}}

This message expires on {{{expires}}}.
{{/expires}}
{{#email_text}}

{{{email_text}}}
{{/email_text}}
{{#disclaimer}}

{{{disclaimer}}}
{{/disclaimer}}
{{#privacy_url}}

Privacy statement: {{{privacy_url}}}
{{/privacy_url}}
{{#attached}}

The protected message is also attached as message.sealed; readers with the
Sealpost client can open it with `sealpost open`.
{{/attached}}
)";

inline constexpr std::string_view kHtmlTemplate =
    R"(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Protected message</title></head>
<body style="margin:0;padding:0;background-color:{{background}};font-family:Segoe UI,Helvetica,Arial,sans-serif;color:#1f1f1f">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background-color:{{background}}">
<tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #d6d6d6;border-radius:6px">
{{#logo}}<tr><td style="padding:20px 24px 0 24px"><img src="cid:logo@sealpost" width="170" height="70" alt="Logo" style="display:block;border:0"></td></tr>{{/logo}}
<tr><td style="padding:20px 24px 8px 24px;font-size:16px;line-height:1.5"><strong>{{sender}}</strong> {{introduction}}</td></tr>
<tr><td style="padding:8px 24px 20px 24px">
<a href="{{link}}" style="display:inline-block;padding:12px 24px;background:#0b57d0;color:#ffffff;text-decoration:none;border-radius:4px;font-weight:600">{{button}}</a>
</td></tr>
{{#expires}}<tr><td style="padding:0 24px 12px 24px;font-size:14px;color:#444">This message expires on {{expires}}.</td></tr>{{/expires}}
{{#email_text}}<tr><td style="padding:0 24px 16px 24px;font-size:14px;line-height:1.5">{{email_text}}</td></tr>{{/email_text}}
{{#disclaimer}}<tr><td style="padding:12px 24px;font-size:12px;color:#555;border-top:1px solid #e5e5e5">{{disclaimer}}</td></tr>{{/disclaimer}}
{{#privacy_url}}<tr><td style="padding:0 24px 16px 24px;font-size:12px"><a href="{{privacy_url}}" style="color:#0b57d0">Privacy statement</a></td></tr>{{/privacy_url}}
</table>
</td></tr></table>
</body></html>
)";

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_WRAPPER_TEMPLATES_H_
